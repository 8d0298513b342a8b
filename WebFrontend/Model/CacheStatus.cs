namespace WebFrontend.Model;

/// <summary>Where a read was served from; sent as <c>X-Cache</c>.</summary>
public enum CacheStatus
{
    /// <summary>From the cache.</summary>
    Hit,

    /// <summary>Not in the cache: loaded from CatalogApi, then stored in the cache.</summary>
    Miss,

    /// <summary>No cache configured or the cache is down: loaded from CatalogApi.</summary>
    Bypass,
}
