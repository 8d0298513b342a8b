using RedisClient;

namespace WebFrontend.Model;

/// <summary>
/// What cache a replica uses: a Redis (or Redis Cluster) configuration string or none, an optional near cache in
/// the process, and how many Redis replicas must confirm an invalidation (<c>WAIT</c>) before a write is answered.
/// </summary>
/// <param name="Configuration">The configuration string (<c>host:port[,host:port...],password=...</c>), or null for no cache.</param>
/// <param name="NearCache">The near cache mode, or null for none.</param>
/// <param name="WaitForReplicas">0: a DEL is enough; n ≥ 1: every DEL is followed by <c>WAIT n</c>.</param>
public sealed record CacheSettings(string? Configuration, NearCacheMode? NearCache, int WaitForReplicas)
{
    /// <summary>No cache: every read goes to CatalogApi.</summary>
    public static CacheSettings None { get; } = new(null, null, 0);

    /// <summary>The configuration with the password replaced by <c>***</c>, for logs and answers.</summary>
    public string? RedactedConfiguration => Configuration is null ? null
        : string.Join(',', Configuration.Split(',').Select(p => p.StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : p));

    /// <summary>The <c>nearCache</c> value of the admin API: none, coherent or tracking.</summary>
    public string NearCacheName => NearCache switch
    {
        NearCacheMode.Coherent => "coherent",
        NearCacheMode.Tracking => "tracking",
        _ => "none",
    };
}
