namespace NearCaching;

/// <summary>
/// How a Coherent near cache tells whether its local copy is still the server's value: by hashing the whole value
/// (any writer, the default) or by a version stamp the value carries at its start (writers that keep a contract).
/// </summary>
public enum NearCacheVersionStamp
{
    /// <summary>
    /// No stamp: the server hashes its whole value (<c>redis.sha1hex</c> in a script) on every read and compares it
    /// with the local copy's SHA1. Never stale whoever writes the key, at the cost of reading every byte of the value.
    /// </summary>
    None,

    /// <summary>
    /// A value's stamp is its bytes up to and including the first <c>'|'</c>, which must be one of its first 64
    /// bytes and not the first one (<c>v42|{"id":7}</c> has the stamp <c>v42|</c>). A read compares only those bytes
    /// (<c>GETRANGE</c>), so a check costs the same for a 20-byte or a 20-MB value; values without a stamp are
    /// checked by their hash, as with <see cref="None"/>.
    /// <para>
    /// The contract: every writer of the key changes the stamp whenever it changes the value. A write that changes
    /// the bytes but keeps the stamp is not seen, and the old local copy goes on being served until it is evicted or
    /// written through this near cache. Use it where every writer follows the contract, such as a versioned
    /// cache-aside that writes <c>v&lt;version&gt;|&lt;json&gt;</c>.
    /// </para>
    /// </summary>
    Prefix,
}
