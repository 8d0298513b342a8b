namespace WebFrontend.Model;

/// <summary>
/// What cache a replica uses: a <c>ConnectionStrings</c> entry by name (a Redis or a Redis Cluster) or none, an
/// optional near cache in the process, and how many Redis replicas must confirm an invalidation (<c>WAIT</c>)
/// before a write is answered.
/// </summary>
/// <param name="Name">The name of the <c>ConnectionStrings</c> entry (e.g. <c>cache-cluster</c>), or null for no cache.</param>
/// <param name="NearCache">The near cache in front of it.</param>
/// <param name="WaitForReplicas">0: the invalidation is enough; n ≥ 1: every invalidation is followed by <c>WAIT n</c>.</param>
public sealed record CacheSettings(string? Name, NearCacheKind NearCache, int WaitForReplicas)
{
    /// <summary>No cache: every read goes to CatalogApi.</summary>
    public static CacheSettings None { get; } = new(null, NearCacheKind.None, 0);

    /// <summary>The <c>nearCache</c> value of the admin API: none, coherent or tracking.</summary>
    public string NearCacheName => NearCache switch
    {
        NearCacheKind.Coherent => "coherent",
        NearCacheKind.Tracking => "tracking",
        _ => "none",
    };

    /// <summary>Parses a near cache name: none (or empty), coherent or tracking.</summary>
    public static bool TryParseNearCache(string? name, out NearCacheKind kind)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case null or "" or "none":
                kind = NearCacheKind.None;
                return true;
            case "coherent":
                kind = NearCacheKind.Coherent;
                return true;
            case "tracking":
                kind = NearCacheKind.Tracking;
                return true;
            default:
                kind = NearCacheKind.None;
                return false;
        }
    }
}
