using StackExchange.Redis;

namespace NearCaching;

/// <summary>
/// A write of one key that the near cache may keep locally once it is acknowledged: from
/// <see cref="NearCache.BeginWrite"/>, to dispose when the write is done (kept or not).
/// </summary>
/// <remarks>
/// <code>
/// using var write = near.BeginWrite(key);
/// if ((int)await near.Database.ScriptEvaluateAsync(fill, [key], [version, value]) == 1)
/// {
///     write.Keep(value);   // the next read of key is served locally
/// }
/// </code>
/// Until it is disposed no read of the key keeps a local copy, so no read that overtook the write is kept.
/// </remarks>
public readonly struct NearCacheWrite : IDisposable
{
    private readonly NearCache? _owner;
    private readonly string? _localKey;
    private readonly object? _token;
    private readonly object? _armedAt;
    private readonly long _startedAt;

    internal NearCacheWrite(NearCache owner, RedisKey key, string? localKey, object? token, object? armedAt)
    {
        _owner = owner;
        Key = key;
        _localKey = localKey;
        _token = token;
        _armedAt = armedAt;

        // Before the write is sent: an expiry counted from here ends no later than the server's.
        _startedAt = Environment.TickCount64;
    }

    /// <summary>The key being written.</summary>
    public RedisKey Key { get; }

    /// <summary>
    /// Records that the write stored <paramref name="value"/> (call it only after the server acknowledged it), so
    /// the next read may serve it locally. Not kept when anything else touched the key meanwhile (another client's
    /// write, a second write of ours, tracking lost): that read then goes to the server. True when kept.
    /// </summary>
    public bool Keep(RedisValue value) => Keep(value, null);

    /// <summary>
    /// As <see cref="Keep(RedisValue)"/>, for a write that set an expiry: the local copy is not served past it,
    /// whenever the server's own expiry (and its invalidation) happens.
    /// </summary>
    public bool Keep(RedisValue value, TimeSpan? expiry)
        => _owner is not null && _localKey is not null && _token is not null && _owner.KeepWritten(Key, _localKey, _token, _armedAt, value, expiry is { } ttl ? _startedAt + (long)ttl.TotalMilliseconds : 0);

    /// <summary>Ends the write: reads of the key may keep values again.</summary>
    public void Dispose()
    {
        if (_owner is not null && _localKey is not null && _token is not null)
        {
            _owner.EndWrite(_localKey, _token);
        }
    }
}
