namespace WebFrontend.Model;

/// <summary>The <c>Cache</c> configuration section.</summary>
public sealed class CacheOptions
{
    /// <summary>How long a product stays in the cache (<c>Cache:Ttl</c>, default 5 minutes).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The longest a request waits for one cache command (<c>Cache:Timeout</c>) before it reads from CatalogApi
    /// instead: a dead cache must not stall the page.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>After a cache failure, how long reads skip the cache before trying it again (<c>Cache:RetryAfter</c>).</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// With WAIT enabled (<c>waitForReplicas</c> ≥ 1), how long a write keeps retrying DEL + WAIT while the cache
    /// fails over before it answers with the invalidation unconfirmed (<c>Cache:InvalidationDeadline</c>).
    /// </summary>
    public TimeSpan InvalidationDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the tombstone a write leaves in the cache lives (<c>Cache:TombstoneTtl</c>, default 60 s: twice the
    /// 30 s ceiling of a CatalogApi call). While it lives, a fill of an older version is refused; a fill whose
    /// CatalogApi read started more than half of it ago is not attempted (see <see cref="VersionedCache"/>).
    /// </summary>
    public TimeSpan TombstoneTtl { get; set; } = TimeSpan.FromSeconds(60);
}
