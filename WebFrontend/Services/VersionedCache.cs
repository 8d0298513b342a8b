using System.Buffers.Text;

namespace WebFrontend.Services;

/// <summary>
/// Cached products carry their version, so that Redis itself can refuse to go back in time. A value is
/// <c>v&lt;version&gt;|&lt;product json&gt;</c>; an invalidation leaves a tombstone <c>t&lt;version of the write&gt;</c>
/// instead of deleting the key. Both are written by a script that reads the header of what the key holds and
/// never stores a version older than what it holds or what a tombstone says was written.
/// </summary>
/// <remarks>
/// <para>
/// The race it closes: replica A misses, reads version v from CatalogApi; replica B writes v+1 and invalidates; A's
/// fill then stores v, and every replica serves v until the TTL. With a tombstone <c>t(v+1)</c> in the key, A's
/// fill of v is refused; a fill of v+1 or later replaces the tombstone.
/// </para>
/// <para>
/// A tombstone protects only while it lives, so it must outlive any fill of an older version still in flight:
/// <see cref="ProductService"/> does not fill with an answer whose CatalogApi read started more than half the
/// tombstone TTL ago, and a script that replaces an entry never shortens its remaining TTL (a short-lived
/// value must not end the protection its tombstone gave). Writes of different versions may reach the cache in
/// any order: an invalidation leaves the key alone when it already holds that version or a newer one.
/// </para>
/// <para>
/// Each script touches one key, passed as KEYS[1], so in a cluster StackExchange.Redis sends it to the master owning
/// the key's slot, where it runs atomically. <c>ScriptEvaluateAsync</c> sends EVALSHA once the server has the
/// script, and EVAL again when the server answers NOSCRIPT (it restarted, flushed its scripts, or a replica
/// took over).
/// </para>
/// </remarks>
public static class VersionedCache
{
    /// <summary>
    /// KEYS[1] the key; ARGV[1] the version read from CatalogApi, ARGV[2] the value (<see cref="Encode"/>),
    /// ARGV[3] the TTL in ms. Stores when the key is absent, holds an older version or a foreign value, or holds a
    /// tombstone of this version or an older one. Returns 1 when stored, 0 when refused.
    /// </summary>
    public const string FillScript = """
        local current = redis.call('GET', KEYS[1])
        local ttl = tonumber(ARGV[3])
        if current then
          local kind, version = string.match(current, '^([vt])(%d+)')
          if kind then
            version = tonumber(version)
            local fill = tonumber(ARGV[1])
            if version > fill or (kind == 'v' and version == fill) then
              return 0
            end
          end
          local left = redis.call('PTTL', KEYS[1])
          if left > ttl then
            ttl = left
          end
        end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
        return 1
        """;

    /// <summary>
    /// KEYS[1] the key; ARGV[1] the version the write produced, ARGV[2] the tombstone TTL in ms. Replaces what the
    /// key holds with the tombstone <c>t&lt;version&gt;</c>, unless it holds this version or a newer one (a value
    /// or a tombstone). Returns 1 when the tombstone was set, 0 when the key was left alone.
    /// </summary>
    public const string InvalidateScript = """
        local current = redis.call('GET', KEYS[1])
        if current then
          local kind, version = string.match(current, '^([vt])(%d+)')
          if kind and tonumber(version) >= tonumber(ARGV[1]) then
            return 0
          end
        end
        redis.call('SET', KEYS[1], 't' .. ARGV[1], 'PX', ARGV[2])
        return 1
        """;

    /// <summary>The cached value of a product: <c>v&lt;version&gt;|</c> then its JSON.</summary>
    public static byte[] Encode(int version, ReadOnlySpan<byte> json)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        Span<byte> digits = stackalloc byte[10];
        Utf8Formatter.TryFormat(version, digits, out var length);
        var value = new byte[length + 2 + json.Length];
        value[0] = (byte)'v';
        digits[..length].CopyTo(value.AsSpan(1));
        value[length + 1] = (byte)'|';
        json.CopyTo(value.AsSpan(length + 2));
        return value;
    }

    /// <summary>
    /// Reads a cached value: true with its version and JSON for a <c>v&lt;version&gt;|json</c> value; false for a
    /// tombstone or anything else (both are a miss).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> value, out int version, out ReadOnlySpan<byte> json)
    {
        // The same header the scripts match ('v' then digits), then '|'.
        if (value.Length >= 3 && value[0] == (byte)'v' && char.IsAsciiDigit((char)value[1])
            && Utf8Parser.TryParse(value[1..], out int parsed, out var length)
            && 1 + length < value.Length && value[1 + length] == (byte)'|')
        {
            version = parsed;
            json = value[(length + 2)..];
            return true;
        }
        version = 0;
        json = default;
        return false;
    }

    /// <summary>Stores a product read from CatalogApi unless the key holds that version or a newer one, or a newer tombstone.</summary>
    /// <returns>True when stored.</returns>
    public static Task<bool> FillAsync(IDatabase database, RedisKey key, int version, ReadOnlyMemory<byte> json, TimeSpan ttl, CancellationToken cancellationToken)
        => FillValueAsync(database, key, version, Encode(version, json.Span), ttl, cancellationToken);

    /// <summary>As <see cref="FillAsync"/>, with the value already encoded (<see cref="Encode"/> of the same version).</summary>
    /// <returns>True when stored.</returns>
    public static async Task<bool> FillValueAsync(IDatabase database, RedisKey key, int version, byte[] value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var result = await database.ScriptEvaluateAsync(FillScript, [key], [version, value, Milliseconds(ttl)])
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>
    /// The versioned delete of a write that produced <paramref name="version"/>: a tombstone living
    /// <paramref name="tombstoneTtl"/>, unless the key already holds that version or a newer one.
    /// </summary>
    /// <returns>True when the tombstone was set.</returns>
    public static async Task<bool> InvalidateAsync(IDatabase database, RedisKey key, int version, TimeSpan tombstoneTtl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var result = await database.ScriptEvaluateAsync(InvalidateScript, [key], [version, Milliseconds(tombstoneTtl)])
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    private static long Milliseconds(TimeSpan ttl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromMilliseconds(1));
        return (long)Math.Ceiling(ttl.TotalMilliseconds);
    }
}
