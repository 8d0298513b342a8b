using System.Collections.Immutable;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using NetworkEmulation;

namespace AppHost.Network;

/// <summary>
/// The links of <c>--network</c>, in the AppHost's process: one per server (its switch port), shared by every client
/// of that server, all with one profile. Publishes the profile and the links to the dashboard's <c>network</c> resource.
/// </summary>
public sealed class SampleNetwork(NetworkResource resource, LinkProfile profile) : IAsyncDisposable
{
    private readonly EmulatedNetwork _network = new(profile);
    private readonly Dictionary<string, NetworkLink> _links = new(StringComparer.Ordinal);
    private ResourceNotificationService? _notifications;

    /// <summary>The dashboard resource.</summary>
    public NetworkResource Resource { get; } = resource;

    /// <summary>The profile of every link.</summary>
    public LinkProfile Profile => _network.Profile;

    /// <summary>The link in front of <paramref name="name"/> (127.0.0.1:<paramref name="port"/>), started on first use.</summary>
    public NetworkLink Link(string name, int port)
    {
        NetworkLink link;
        lock (_links)
        {
            if (_links.TryGetValue(name, out var known))
            {
                return known;
            }
            link = _network.AddLink(name, "127.0.0.1", port);
            _links.Add(name, link);
        }
        _ = PublishAsync();
        return link;
    }

    /// <summary>Switches every link to <paramref name="profile"/> while traffic flows (queued bytes keep their due times).</summary>
    public async Task SetProfileAsync(LinkProfile profile)
    {
        _network.Profile = profile;
        await PublishAsync().ConfigureAwait(false);
    }

    /// <summary>The profile and the links, for the control API.</summary>
    public NetworkStatus GetStatus() => new(
        Profile.Name,
        Profile.Delay.TotalMicroseconds,
        Profile.RateBitsPerSecond,
        [.. _network.Links.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => new NetworkLinkStatus(l.Name, l.Port, $"{l.TargetHost}:{l.TargetPort}", l.ConnectionCount))]);

    /// <summary>Starts publishing to the dashboard (the service exists only once the app is built).</summary>
    internal Task AttachAsync(ResourceNotificationService notifications)
    {
        _notifications = notifications;
        return PublishAsync();
    }

    private Task PublishAsync() => _notifications?.PublishUpdateAsync(Resource, s => s with
    {
        State = new ResourceStateSnapshot($"Running ({Profile.Name})", KnownResourceStateStyles.Success),
        Properties = [.. Properties()],
    }) ?? Task.CompletedTask;

    /// <summary>The dashboard's properties: the profile, then one per link.</summary>
    internal ImmutableArray<ResourcePropertySnapshot> Properties()
    {
        var status = GetStatus();
        return
        [
            new("network.profile", $"{status.Profile}: {Profile}"),
            new("network.links", status.Links.Count.ToString(CultureInfo.InvariantCulture)),
            .. status.Links.Select(l => new ResourcePropertySnapshot($"link.{l.Name}", $"127.0.0.1:{l.Port} → {l.Target}")),
        ];
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _network.DisposeAsync();
}
