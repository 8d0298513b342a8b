using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using NearCaching.Internal;
using StackExchange.Redis;

namespace NearCaching;

/// <summary>
/// A near cache over StackExchange.Redis (standalone or cluster): string values kept in this process, read
/// locally while they are known to be current. Create one per process and cache (<see cref="CreateAsync"/>), keep
/// it as long as its multiplexer, dispose it before the multiplexer.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="NearCacheMode.Coherent"/>: every read confirms the local copy with the key's master (one small round
/// trip: its version stamp or its hash) and serves it only if it is current; never stale. Uses the multiplexer given.
/// </para>
/// <para>
/// <see cref="NearCacheMode.Tracking"/>: the server pushes invalidations; a read of a local copy makes no round trip.
/// It opens its own connections from the multiplexer's configuration (a multiplexer for the reads and writes it
/// makes, with <c>allowAdmin</c> for <c>CLIENT TRACKING</c>, and one RESP2 subscriber per master), so the
/// multiplexer given is not changed. Writes this process makes elsewhere invalidate its copies like any other
/// client's; writes through <see cref="Database"/> must go through <see cref="BeginWrite"/> (or
/// <see cref="StringSetAsync"/>/<see cref="KeyDeleteAsync"/>), as the server does not tell a client of its own writes.
/// </para>
/// </remarks>
public sealed class NearCache : IAsyncDisposable
{
    /// <summary>The most bytes a version stamp takes, its '|' included (<see cref="NearCacheVersionStamp.Prefix"/>).</summary>
    internal const int MaxStampLength = 64;

    // One round trip that answers "current" (1), "gone" (nil) or the new value. The server hashes its value; this
    // process hashed its copy once, when it kept it.
    private const string HashCheckScript =
        "local v = redis.call('GET', KEYS[1]) if v == false then return false end if redis.sha1hex(v) == ARGV[1] then return 1 end return v";

    private readonly LocalStore _store;
    private readonly TrackingSession? _tracking;
    private readonly bool _stamped;

    // Tags built once: adding to a counter with them allocates nothing.
    private readonly KeyValuePair<string, object?> _modeTag;
    private readonly KeyValuePair<string, object?>[] _localTags;
    private readonly KeyValuePair<string, object?>[] _serverTags;
    private long _localReads;
    private long _serverReads;
    private long _invalidations;
    private long _flushes;
    private int _disposed;

    private NearCache(IConnectionMultiplexer multiplexer, NearCacheOptions options)
    {
        Multiplexer = multiplexer;
        Options = options;
        _stamped = options.VersionStamp == NearCacheVersionStamp.Prefix;
        _modeTag = new("nearcache.mode", options.Mode == NearCacheMode.Coherent ? "coherent" : "tracking");
        _localTags = [_modeTag, new("nearcache.source", "local")];
        _serverTags = [_modeTag, new("nearcache.source", "server")];
        _store = new LocalStore(options.MaxEntries, options.MaxBytes);
        if (options.Mode == NearCacheMode.Tracking)
        {
            _tracking = new TrackingSession(this, multiplexer, options);
        }

        Database = multiplexer.GetDatabase();
    }

    /// <summary>The options this near cache was made with.</summary>
    public NearCacheOptions Options { get; }

    /// <summary>The multiplexer this near cache was made for.</summary>
    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>
    /// The database this near cache reads and writes through: the multiplexer's (Coherent) or its own tracked
    /// connection's (Tracking). Write here, inside <see cref="BeginWrite"/>, what this process should read back
    /// locally; in Tracking mode every write of a cached key through it must be inside <see cref="BeginWrite"/>.
    /// </summary>
    public IDatabase Database { get; private set; }

    internal LocalStore Store => _store;

    internal TrackingSession? Tracking => _tracking;

    /// <summary>
    /// Creates a near cache over <paramref name="multiplexer"/>. In Tracking mode it connects its own connections
    /// and waits until tracking is armed on every master (or <see cref="ConfigurationOptions.ConnectTimeout"/>
    /// passed: reads then go to the server until it is).
    /// </summary>
    public static async Task<NearCache> CreateAsync(IConnectionMultiplexer multiplexer, NearCacheOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        options ??= new NearCacheOptions();
        options.Validate();
        var near = new NearCache(multiplexer, options);
        if (near._tracking is not null)
        {
            try
            {
                await near._tracking.StartAsync(cancellationToken).ConfigureAwait(false);
                near.Database = near._tracking.Database;
            }
            catch
            {
                await near.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return near;
    }

    /// <summary>GET through the near cache.</summary>
    public async ValueTask<RedisValue> StringGetAsync(RedisKey key)
        => (await StringGetWithSourceAsync(key).ConfigureAwait(false)).Value;

    /// <summary>GET through the near cache, saying whether the local copy was served (e.g. for an X-Cache header).</summary>
    public ValueTask<NearCacheRead> StringGetWithSourceAsync(RedisKey key)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var localKey = LocalKey(key);
        if (localKey is null)
        {
            // Not UTF-8: invalidations name keys by their bytes and copies are indexed by text, so never kept.
            return ServerGetAsync(key);
        }

        if (_tracking is null)
        {
            return CoherentGetAsync(key, localKey);
        }

        // The hot path of Tracking mode: a local copy is served synchronously, with no allocation.
        if (_store.TryGet(localKey, out var local, out _))
        {
            CountLocalRead();
            return new ValueTask<NearCacheRead>(new NearCacheRead(local, true));
        }

        return TrackedGetAsync(key, localKey);
    }

    /// <summary>
    /// SET through the near cache: writes <paramref name="value"/> and keeps it as the local copy once the server
    /// acknowledged it, so the next read is local (see <see cref="NearCacheWrite.Keep(RedisValue)"/> for when it is not).
    /// </summary>
    public async Task<bool> StringSetAsync(RedisKey key, RedisValue value, TimeSpan? expiry = null, When when = When.Always)
    {
        using var write = BeginWrite(key);
        var written = await Database.StringSetAsync(key, value, expiry, when).ConfigureAwait(false);
        if (written && !value.IsNull)
        {
            write.Keep(value, expiry);
        }

        return written;
    }

    /// <summary>DEL through the near cache: drops the local copy, then deletes the key.</summary>
    public async Task<bool> KeyDeleteAsync(RedisKey key)
    {
        using var write = BeginWrite(key);
        return await Database.KeyDeleteAsync(key).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a write of <paramref name="key"/> made through <see cref="Database"/> (a script, a transaction): drops
    /// the local copy now; <see cref="NearCacheWrite.Keep(RedisValue)"/> records the value written once it is acknowledged.
    /// </summary>
    public NearCacheWrite BeginWrite(RedisKey key)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var localKey = LocalKey(key);
        if (localKey is null)
        {
            return new NearCacheWrite(this, key, null, null, null);
        }

        // Taken before the write starts: a write that began before tracking was (re-)armed is not kept.
        var armedAt = _tracking?.ArmedAt;
        if (_store.Remove(localKey))
        {
            CountInvalidation();
        }

        return new NearCacheWrite(this, key, localKey, _store.BeginWrite(localKey), armedAt);
    }

    /// <summary>Drops the local copy of <paramref name="key"/> (the server is not touched): the next read goes to the server.</summary>
    public void Forget(RedisKey key)
    {
        if (LocalKey(key) is { } localKey)
        {
            Invalidate(localKey);
        }
    }

    /// <summary>Drops every local copy (the server is not touched).</summary>
    public void Clear() => Flush();

    /// <summary>What this near cache did and holds now.</summary>
    public NearCacheStatistics GetStatistics() => new(
        Interlocked.Read(ref _localReads),
        Interlocked.Read(ref _serverReads),
        Interlocked.Read(ref _invalidations),
        Interlocked.Read(ref _flushes),
        _store.Evictions,
        _store.Count,
        _store.Bytes,
        _tracking?.ArmedAt is not null || _tracking is null,
        _tracking?.Arms ?? 0);

    /// <summary>Stops tracking, closes the connections this near cache opened, drops every local copy.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_tracking is not null)
        {
            await _tracking.DisposeAsync().ConfigureAwait(false);
        }

        _store.Clear();
    }

    /// <summary>Keeps a written value; <paramref name="expiresAt"/>: <see cref="Environment.TickCount64"/> deadline, 0 for none.</summary>
    internal bool KeepWritten(RedisKey key, string localKey, object token, object? armedAt, RedisValue value, long expiresAt)
    {
        if (value.IsNull || _disposed != 0 || (expiresAt != 0 && Environment.TickCount64 >= expiresAt))
        {
            return false;
        }

        if (_tracking is not null && (armedAt is null || !_tracking.Covers(localKey) || !_tracking.IsStillArmed(armedAt, key)))
        {
            return false;
        }

        // A copy of the caller's bytes: the caller may reuse its buffer once the write is done.
        var bytes = ((ReadOnlyMemory<byte>)value).ToArray();
        return _store.KeepWritten(localKey, token, bytes, _tracking is null ? LocalVersion(bytes) : null, expiresAt);
    }

    internal void EndWrite(string localKey, object token) => _store.EndWrite(localKey, token);

    /// <summary>A key changed on the server (an invalidation, a failed check): drop its copy.</summary>
    internal void Invalidate(string localKey)
    {
        if (_store.Remove(localKey))
        {
            CountInvalidation();
        }
    }

    /// <summary>Every copy may be stale (tracking lost or re-armed, the server flushed): drop them all.</summary>
    internal void Flush()
    {
        _store.Clear();
        Interlocked.Increment(ref _flushes);
        NearCacheDiagnostics.Flushes.Add(1, _modeTag);
    }

    private void CountLocalRead()
    {
        Interlocked.Increment(ref _localReads);
        NearCacheDiagnostics.Reads.Add(1, _localTags);
    }

    private void CountServerRead()
    {
        Interlocked.Increment(ref _serverReads);
        NearCacheDiagnostics.Reads.Add(1, _serverTags);
    }

    private void CountInvalidation()
    {
        Interlocked.Increment(ref _invalidations);
        NearCacheDiagnostics.Invalidations.Add(1, _modeTag);
    }

    /// <summary>The text a key is indexed by locally; null for keys that are not valid UTF-8 (never kept).</summary>
    internal static string? LocalKey(RedisKey key)
    {
        // RedisKey's string conversion returns a string key as is; a byte[] key is decoded (and checked) here.
        var text = (string?)key;
        if (text is null)
        {
            return null;
        }

        return text.Contains('\uFFFD', StringComparison.Ordinal) && !Utf8.IsValid((byte[])key!) ? null : text;
    }

    /// <summary>The local key of an invalidated key's bytes; null when they are not UTF-8.</summary>
    internal static string? LocalKey(ReadOnlySpan<byte> bytes) => Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>The version of a value: the SHA1 the server's redis.sha1hex computes, in lower-case hex.</summary>
    internal static string Version(ReadOnlySpan<byte> value) => Convert.ToHexStringLower(SHA1.HashData(value));

    /// <summary>
    /// The length of a value's version stamp (<see cref="NearCacheVersionStamp.Prefix"/>): up to and including the
    /// first '|', when it is within the first <see cref="MaxStampLength"/> bytes and not the first byte (a bare '|'
    /// names no version); 0 when the value has no stamp.
    /// </summary>
    internal static int StampLength(ReadOnlySpan<byte> value)
    {
        var bar = value[..Math.Min(value.Length, MaxStampLength)].IndexOf((byte)'|');
        return bar > 0 ? bar + 1 : 0;
    }

    /// <summary>
    /// What the store keeps to check a copy: nothing for a stamped value (the stamp is in its bytes), else its SHA1.
    /// Hashing only the values that need it spares this process the hash of every stamped value it reads.
    /// </summary>
    private string? LocalVersion(byte[] value) => _stamped && StampLength(value) > 0 ? null : Version(value);

    private async ValueTask<NearCacheRead> ServerGetAsync(RedisKey key)
    {
        CountServerRead();
        return new NearCacheRead(await Database.StringGetAsync(key).ConfigureAwait(false), false);
    }

    private async ValueTask<NearCacheRead> CoherentGetAsync(RedisKey key, string localKey)
    {
        if (_store.TryGet(localKey, out var local, out var version))
        {
            var stampLength = _stamped ? StampLength(local) : 0;
            if (stampLength > 0)
            {
                // GETRANGE reads only the stamp's bytes on the server (of a missing key: "", which no stamp equals).
                // A changed stamp costs a second round trip for the value, which a changed value needs anyway.
                var stamp = await Database.StringGetRangeAsync(key, 0, stampLength - 1).ConfigureAwait(false);
                if (((ReadOnlyMemory<byte>)stamp).Span.SequenceEqual(local.AsSpan(0, stampLength)))
                {
                    CountLocalRead();
                    return new NearCacheRead(local, true);
                }

                Invalidate(localKey);
            }
            else
            {
                var reply = await Database.ScriptEvaluateAsync(HashCheckScript, [key], [version ?? Version(local)]).ConfigureAwait(false);
                if (reply.Resp2Type == ResultType.Integer)
                {
                    CountLocalRead();
                    return new NearCacheRead(local, true);
                }

                Invalidate(localKey);
                CountServerRead();
                if (reply.IsNull)
                {
                    return new NearCacheRead(RedisValue.Null, false);
                }

                var changed = (byte[])reply!;
                _store.Set(localKey, changed, LocalVersion(changed));
                return new NearCacheRead(changed, false);
            }
        }

        CountServerRead();
        var value = await Database.StringGetAsync(key).ConfigureAwait(false);
        if (value.IsNull)
        {
            return new NearCacheRead(RedisValue.Null, false);
        }

        // Kept whatever happened meanwhile: every later read checks it with the server before serving it.
        var bytes = (byte[])value!;
        _store.Set(localKey, bytes, LocalVersion(bytes));
        return new NearCacheRead(bytes, false);
    }

    private async ValueTask<NearCacheRead> TrackedGetAsync(RedisKey key, string localKey)
    {
        var tracking = _tracking!;
        var armedAt = tracking.ArmedAt;

        // The placeholder goes in before the GET is sent, so an invalidation that arrives before the reply removes
        // it and the (by then old) value is not kept.
        var token = armedAt is not null && tracking.Covers(localKey) ? _store.BeginFetch(localKey) : null;
        if (token is null)
        {
            return await ServerGetAsync(key).ConfigureAwait(false);
        }

        RedisValue value;
        try
        {
            CountServerRead();
            value = await Database.StringGetAsync(key).ConfigureAwait(false);
        }
        catch
        {
            _store.AbandonFetch(token);
            throw;
        }

        if (value.IsNull)
        {
            _store.AbandonFetch(token);
            return new NearCacheRead(RedisValue.Null, false);
        }

        var bytes = (byte[])value!;

        // Kept only if the GET went through a connection tracked since before the placeholder: the same socket of
        // the key's master that was armed (a reconnected socket is not tracked until it is re-armed).
        if (tracking.IsStillArmed(armedAt!, key))
        {
            _store.CompleteFetch(token, bytes, null);
        }
        else
        {
            _store.AbandonFetch(token);
        }

        return new NearCacheRead(bytes, false);
    }
}
