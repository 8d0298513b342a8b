namespace NearCaching;

/// <summary>Options of a near cache: see <see cref="NearCache.CreateAsync"/>.</summary>
public sealed class NearCacheOptions
{
    /// <summary>How local copies are kept current; <see cref="NearCacheMode.Coherent"/> (never stale) by default.</summary>
    public NearCacheMode Mode { get; init; } = NearCacheMode.Coherent;

    /// <summary>Most values kept; the least recently used go first. 10,000 by default.</summary>
    public int MaxEntries { get; init; } = 10_000;

    /// <summary>
    /// Most bytes kept (values, keys and a fixed overhead per entry); the least recently used go first. A value
    /// larger than this is never kept. 64 MB by default.
    /// </summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Coherent mode: whether values carry their own version stamp (see <see cref="NearCacheVersionStamp.Prefix"/>
    /// and its contract), so a read's check compares the stamp instead of hashing the value on the server.
    /// <see cref="NearCacheVersionStamp.None"/> (hash; right for any writer) by default.
    /// </summary>
    public NearCacheVersionStamp VersionStamp { get; init; } = NearCacheVersionStamp.None;

    /// <summary>
    /// Tracking mode: the key prefixes the server broadcasts invalidations for (<c>BCAST PREFIX …</c>); keys outside
    /// them are read from the server and never kept. Empty (every key) by default. Narrow prefixes spare the
    /// subscriber the invalidations of keys this cache never holds.
    /// </summary>
    public IReadOnlyList<string> TrackingPrefixes { get; init; } = [];

    internal void Validate()
    {
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Use NearCacheMode.Coherent or NearCacheMode.Tracking.");
        }

        if (!Enum.IsDefined(VersionStamp))
        {
            throw new ArgumentOutOfRangeException(nameof(VersionStamp), VersionStamp, "Use NearCacheVersionStamp.None or NearCacheVersionStamp.Prefix.");
        }

        if (VersionStamp != NearCacheVersionStamp.None && Mode != NearCacheMode.Coherent)
        {
            throw new ArgumentException(
                "VersionStamp applies to NearCacheMode.Coherent only (Tracking mode never checks versions: the server pushes " +
                "invalidations). Use Mode = NearCacheMode.Coherent, or leave VersionStamp at None.", nameof(VersionStamp));
        }

        if (MaxEntries <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEntries), MaxEntries, "MaxEntries must be at least 1.");
        }

        if (MaxBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "MaxBytes must be at least 1 (e.g. 64 * 1024 * 1024).");
        }

        ArgumentNullException.ThrowIfNull(TrackingPrefixes);
        if (TrackingPrefixes.Count > 0 && Mode != NearCacheMode.Tracking)
        {
            throw new ArgumentException("TrackingPrefixes applies to NearCacheMode.Tracking only.", nameof(TrackingPrefixes));
        }

        foreach (var prefix in TrackingPrefixes)
        {
            if (string.IsNullOrEmpty(prefix))
            {
                throw new ArgumentException("A tracking prefix must not be empty (leave TrackingPrefixes empty to track every key).", nameof(TrackingPrefixes));
            }
        }
    }
}
