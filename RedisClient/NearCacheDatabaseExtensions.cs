using RedisClient.Internal;

namespace RedisClient;

/// <summary>Adds a near cache to a database of this client.</summary>
public static class NearCacheDatabaseExtensions
{
    /// <summary>
    /// A near cache over <paramref name="database"/>: same as
    /// <see cref="ConnectionMultiplexer.GetNearCacheDatabase(NearCacheOptions?)"/> on its multiplexer.
    /// </summary>
    public static INearCacheDatabase WithNearCache(this IDatabase database, NearCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database switch
        {
            RedisDatabase redis => redis.Multiplexer.GetNearCacheDatabase(options),
            INearCacheDatabase => throw new ArgumentException("This database already has a near cache.", nameof(database)),
            _ => throw new ArgumentException(
                $"A near cache needs a database of this client (ConnectionMultiplexer.GetDatabase()), not a {database.GetType().Name}.", nameof(database)),
        };
    }
}
