namespace NearCaching;

/// <summary>How a near cache knows that its local copy of a value is still the one in Redis.</summary>
public enum NearCacheMode
{
    /// <summary>
    /// Every read asks the key's master, in one small round trip, whether the local copy is current (by its version
    /// stamp with <see cref="NearCacheOptions.VersionStamp"/>, else by its SHA1) and serves the local bytes only if
    /// so. Never stale by construction: what it saves is the value's bytes on the wire, not the round trip.
    /// </summary>
    Coherent,

    /// <summary>
    /// Redis server-assisted client-side caching (<c>CLIENT TRACKING on REDIRECT … BCAST NOLOOP</c>): the server
    /// pushes the name of every key another client changes, and a read of a local copy makes no round trip at all.
    /// A read may be stale for the moment an invalidation is in flight (measured in the tests: see README).
    /// </summary>
    Tracking,
}
