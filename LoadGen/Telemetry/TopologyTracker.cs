namespace LoadGen.Telemetry;

/// <summary>
/// The cache topology the sample runs now, as far as LoadGen knows: set after a switch made from the lab page and by
/// polling the AppHost's control API (a switch from the dashboard). Every measurement is tagged with it.
/// </summary>
public sealed class TopologyTracker
{
    /// <summary>The tag value when no control API tells (LoadGen run on its own).</summary>
    public const string Unknown = "unknown";

    private volatile string _current = Unknown;

    /// <summary>
    /// The tag while a switch runs, e.g. <c>single-&gt;naive</c>: replicas change caches one after the other, so what is
    /// measured then belongs to neither topology (the stale reads of a switch into <c>naive</c> start before it ends).
    /// </summary>
    public static string Switching(string from, string to) => $"{from}->{to}";

    /// <summary>Raised after <see cref="Current"/> changed, with the previous and the new name.</summary>
    public event Action<string, string>? Changed;

    /// <summary>The topology's name, or <see cref="Unknown"/>.</summary>
    public string Current => _current;

    /// <summary>Sets the current topology; null or empty means <see cref="Unknown"/>.</summary>
    public void Set(string? name)
    {
        var value = string.IsNullOrWhiteSpace(name) ? Unknown : name.Trim();
        var previous = Interlocked.Exchange(ref _current, value);
        if (previous != value)
        {
            Changed?.Invoke(previous, value);
        }
    }
}
