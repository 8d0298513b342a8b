namespace NetworkEmulation;

/// <summary>
/// A set of links that share one profile: the network between the sample's processes. Changing
/// <see cref="Profile"/> changes every link at once, while traffic flows.
/// </summary>
public sealed class EmulatedNetwork : IAsyncDisposable
{
    private readonly List<NetworkLink> _links = [];
    private LinkProfile _profile;

    /// <summary>A network whose links will have <paramref name="profile"/>.</summary>
    public EmulatedNetwork(LinkProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _profile = profile;
    }

    /// <summary>The links started so far.</summary>
    public IReadOnlyList<NetworkLink> Links
    {
        get
        {
            lock (_links)
            {
                return [.. _links];
            }
        }
    }

    /// <summary>The profile of every link; setting it switches them all.</summary>
    public LinkProfile Profile
    {
        get => Volatile.Read(ref _profile);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_links)
            {
                _profile = value;
                foreach (var link in _links)
                {
                    link.Profile = value;
                }
            }
        }
    }

    /// <summary>Starts a link to <paramref name="targetHost"/>:<paramref name="targetPort"/> on a free port (or <paramref name="port"/>).</summary>
    public NetworkLink AddLink(string name, string targetHost, int targetPort, int port = 0)
    {
        lock (_links)
        {
            var link = NetworkLink.Start(name, targetHost, targetPort, _profile, port);
            _links.Add(link);
            return link;
        }
    }

    /// <summary>Stops every link.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var link in Links)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }
}
