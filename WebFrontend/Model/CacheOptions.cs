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
    /// With WAIT enabled (<c>waitForReplicas</c> ≥ 1), how long a write waits for Redis replicas to confirm its
    /// tombstone (<c>Cache:WaitTimeout</c>, default 100 ms: a connected replica confirms in well under a millisecond).
    /// A master that confirms too few is not asked again until its replicas are back, so a master left without one
    /// costs one short wait, not one per write.
    /// </summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How far back, from the moment the cache was fenced, a replay rewrites tombstones (<c>Cache:ReplayWindow</c>,
    /// default 30 s): longer than a tombstone can stay on a master without reaching its replica, which Redis bounds by
    /// refusing to promote a replica cut off for more than node timeout × validity factor (2 s × 10 here).
    /// </summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the cache must look whole before a fence opens (<c>Cache:FenceSettle</c>, default 1 s): time for every
    /// replica's client to learn a promotion, so that no write acknowledged after the replay failed its invalidation.
    /// </summary>
    public TimeSpan FenceSettle { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a fenced cache is looked at (<c>Cache:FenceRepairInterval</c>, default 250 ms).</summary>
    public TimeSpan FenceRepairInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long the tombstone a write leaves in the cache lives (<c>Cache:TombstoneTtl</c>, default 60 s: twice the
    /// 30 s ceiling of a CatalogApi call). While it lives, a fill of an older version is refused; a fill whose
    /// CatalogApi read started more than half of it ago is not attempted (see <see cref="VersionedCache"/>).
    /// </summary>
    public TimeSpan TombstoneTtl { get; set; } = TimeSpan.FromSeconds(60);
}
