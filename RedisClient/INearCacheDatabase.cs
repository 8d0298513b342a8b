namespace RedisClient;

/// <summary>
/// An <see cref="IDatabase"/> with a near cache: <see cref="IDatabase.StringGetAsync(RedisKey, CancellationToken)"/>
/// serves local copies, <see cref="IDatabase.StringSetAsync"/> and <see cref="IDatabase.KeyDeleteAsync(RedisKey, CancellationToken)"/>
/// write through and update or drop the local copy. Every other command goes to the server as usual.
/// Counters are on the "RedisClient" Meter (redisclient.near_cache.*).
/// </summary>
public interface INearCacheDatabase : IDatabase, IAsyncDisposable
{
    /// <summary>The options this near cache was made with.</summary>
    NearCacheOptions Options { get; }

    /// <summary>Values held locally now.</summary>
    int Count { get; }

    /// <summary>Bytes charged for the values held locally now (values, keys, per-entry overhead).</summary>
    long Bytes { get; }

    /// <summary>GET through the near cache, saying whether the local copy was served.</summary>
    Task<NearCacheRead> StringGetWithSourceAsync(RedisKey key, CancellationToken cancellationToken = default);

    /// <summary>Drops every local copy (the server is not touched).</summary>
    void Clear();
}
