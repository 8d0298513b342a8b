using StackExchange.Redis;

namespace NearCaching;

/// <summary>A value read through a near cache, and whether its bytes came from the local copy.</summary>
/// <param name="Value">
/// The value, or <see cref="RedisValue.Null"/> when the key does not exist. A value served locally shares its bytes
/// with the local copy: read them, do not change them.
/// </param>
/// <param name="ServedLocally">
/// True when the local copy was served: confirmed current by the server (Coherent) or not invalidated (Tracking).
/// </param>
public readonly record struct NearCacheRead(RedisValue Value, bool ServedLocally);
