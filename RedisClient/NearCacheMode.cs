namespace RedisClient;

/// <summary>How a near cache knows that its local copy of a value is still the one in Redis.</summary>
public enum NearCacheMode
{
    /// <summary>
    /// Every read asks the server, in one small round trip, whether the local copy is current (by its SHA1, or by its
    /// version stamp with <see cref="NearCacheOptions.VersionStamp"/>) and
    /// serves the local bytes only if so; otherwise the server sends the new value (or nil). Never stale: the
    /// bytes saved are the value's, not the round trip. What ScaleOut's client cache does.
    /// </summary>
    Coherent,

    /// <summary>
    /// Redis CLIENT TRACKING: the server pushes an invalidation when a key this client read changes, and reads of
    /// cached keys make no round trip at all. A read may be stale for the moment an invalidation is in flight.
    /// </summary>
    Tracking,
}
