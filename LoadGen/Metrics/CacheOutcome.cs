namespace LoadGen.Metrics;

/// <summary>The <c>X-Cache</c> header of a read.</summary>
public enum CacheOutcome
{
    /// <summary>No header or an unknown value.</summary>
    Unknown,

    /// <summary><c>hit</c>: served from the cache.</summary>
    Hit,

    /// <summary><c>miss</c>: read from CatalogApi, then cached.</summary>
    Miss,

    /// <summary><c>bypass</c>: no cache in the path (counts as not a hit).</summary>
    Bypass,
}
