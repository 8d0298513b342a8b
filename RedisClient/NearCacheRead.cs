namespace RedisClient;

/// <summary>A value read through a near cache and whether its bytes came from the local copy.</summary>
/// <param name="Value">The value, or <see cref="RedisValue.Null"/> when the key does not exist.</param>
/// <param name="ServedLocally">
/// True when the local copy was served: confirmed current by the server (Coherent) or not invalidated (Tracking).
/// </param>
public readonly record struct NearCacheRead(RedisValue Value, bool ServedLocally);
