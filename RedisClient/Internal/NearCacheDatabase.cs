using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using RedisClient.Protocol;

namespace RedisClient.Internal;

/// <summary>
/// <see cref="INearCacheDatabase"/>: GET served from local copies (checked per read in Coherent mode, invalidated by
/// the server in Tracking mode); SET and DEL write through and update or drop the local copy.
/// </summary>
internal sealed class NearCacheDatabase : INearCacheDatabase
{
    /// <summary>The most bytes a version stamp takes, its '|' included (<see cref="NearCacheVersionStamp.Prefix"/>).</summary>
    internal const int MaxStampLength = 64;

    // One round trip that answers "current" (1), "gone" (nil) or the new value. The server hashes its value; the
    // client hashed its copy once when it stored it.
    private static readonly LuaScript s_hashCheck = new(
        "local v = redis.call('GET', KEYS[1]) if v == false then return false end if redis.sha1hex(v) == ARGV[1] then return 1 end return v");

    // The same answers from the stamp alone: the server reads only the stamp's bytes of its value (GETRANGE of a
    // missing key is "", which no stamp equals), and the whole value only when it changed. ARGV[1] ends with the
    // value's first '|', so a value that starts with it has exactly that stamp.
    private static readonly LuaScript s_stampCheck = new(
        "if redis.call('GETRANGE', KEYS[1], 0, #ARGV[1] - 1) == ARGV[1] then return 1 end " +
        "local v = redis.call('GET', KEYS[1]) if v == false then return false end return v");

    private static readonly CommandName s_evalSha = CommandName.For("EVALSHA");
    private static readonly CommandName s_eval = CommandName.For("EVAL");

    private readonly ConnectionMultiplexer _multiplexer;
    private readonly RedisDatabase _inner;
    private readonly NearCacheStore _store;
    private readonly KeyValuePair<string, object?> _modeTag;
    private readonly string _modeName;
    private readonly bool _stamped;
    private TrackingInvalidations? _tracking;

    public NearCacheDatabase(ConnectionMultiplexer multiplexer, NearCacheOptions options)
    {
        _multiplexer = multiplexer;
        _inner = multiplexer.Database;
        Options = options;
        _modeName = options.Mode == NearCacheMode.Coherent ? "coherent" : "tracking";
        _stamped = options.VersionStamp == NearCacheVersionStamp.Prefix;
        _modeTag = new("redisclient.near_cache.mode", _modeName);
        var modeTag = _modeTag;
        _store = new NearCacheStore(options.MaxEntries, options.MaxBytes)
        {
            Evicted = (count, _) => RedisClientDiagnostics.NearCacheEvictions.Add(count, modeTag),
            BytesChanged = delta => RedisClientDiagnostics.NearCacheBytes.Add(delta, modeTag),
        };
    }

    public NearCacheOptions Options { get; }

    public int Count => _store.Count;

    public long Bytes => _store.Bytes;

    /// <summary>Tracking mode: whether reads through this connection are tracked now (for tests).</summary>
    internal TrackingInvalidations? Tracking => _tracking;

    public void Start()
    {
        if (Options.Mode == NearCacheMode.Tracking)
        {
            _tracking = new TrackingInvalidations(_multiplexer, _store, Invalidated);
            _tracking.Start();
        }
    }

    public void Clear() => Invalidated(_store.Clear());

    public async ValueTask DisposeAsync()
    {
        _multiplexer.Release(this);
        if (_tracking is not null)
        {
            await _tracking.DisposeAsync().ConfigureAwait(false);
        }

        _store.Clear();
    }

    public async Task<RedisValue> StringGetAsync(RedisKey key, CancellationToken cancellationToken = default)
        => (await StringGetWithSourceAsync(key, cancellationToken).ConfigureAwait(false)).Value;

    public async Task<NearCacheRead> StringGetWithSourceAsync(RedisKey key, CancellationToken cancellationToken = default)
    {
        var localKey = LocalKey(key);
        if (localKey is null)
        {
            // Not UTF-8: invalidations name keys by their bytes and we index by text, so such keys are not kept.
            return new NearCacheRead(await _inner.StringGetAsync(key, cancellationToken).ConfigureAwait(false), false);
        }

        using var activity = RedisClientDiagnostics.StartCommand("GET");
        var read = Options.Mode == NearCacheMode.Coherent
            ? await CoherentGetAsync(key, localKey, cancellationToken).ConfigureAwait(false)
            : await TrackedGetAsync(key, localKey, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("redisclient.near_cache.mode", _modeName);
        activity?.SetTag("redisclient.near_cache.hit", read.ServedLocally);
        (read.ServedLocally ? RedisClientDiagnostics.NearCacheHits : RedisClientDiagnostics.NearCacheMisses).Add(1, _modeTag);
        return read;
    }

    public async Task<bool> StringSetAsync(RedisKey key, RedisValue value, TimeSpan? expiry = null, When when = When.Always, CancellationToken cancellationToken = default)
    {
        var localKey = LocalKey(key);
        if (localKey is null)
        {
            return await _inner.StringSetAsync(key, value, expiry, when, cancellationToken).ConfigureAwait(false);
        }

        // Dropped first: no read may serve the old copy once the write could have reached the server.
        Invalidate(localKey);
        var written = await _inner.StringSetAsync(key, value, expiry, when, cancellationToken).ConfigureAwait(false);

        // Coherent mode keeps what it wrote (every read checks it anyway). Tracking mode must not: the server tracks
        // only keys this client read, so a copy kept from a write would never be invalidated.
        if (written && Options.Mode == NearCacheMode.Coherent && value.HasValue)
        {
            var bytes = value.AsMemory().ToArray();
            _store.Set(localKey, bytes, LocalVersion(bytes));
        }

        return written;
    }

    public async Task<bool> KeyDeleteAsync(RedisKey key, CancellationToken cancellationToken = default)
    {
        if (LocalKey(key) is { } localKey)
        {
            Invalidate(localKey);
        }

        return await _inner.KeyDeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> KeyDeleteAsync(RedisKey[] keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            if (LocalKey(key) is { } localKey)
            {
                Invalidate(localKey);
            }
        }

        return await _inner.KeyDeleteAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    public Task<RedisValue[]> StringGetAsync(RedisKey[] keys, CancellationToken cancellationToken = default)
        => _inner.StringGetAsync(keys, cancellationToken);

    public Task<bool> KeyExistsAsync(RedisKey key, CancellationToken cancellationToken = default)
        => _inner.KeyExistsAsync(key, cancellationToken);

    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => _inner.PingAsync(cancellationToken);

    public Task<long> WaitAsync(RedisKey key, int numReplicas, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _inner.WaitAsync(key, numReplicas, timeout, cancellationToken);

    public Task<RedisResult> ExecuteAsync(string command, params object[] args) => _inner.ExecuteAsync(command, args);

    public Task<RedisResult> ExecuteAsync(string command, ICollection<object> args, CancellationToken cancellationToken = default)
        => _inner.ExecuteAsync(command, args, cancellationToken);

    /// <summary>The text a key is indexed by locally; null for keys that are not valid UTF-8 (never kept).</summary>
    internal static string? LocalKey(RedisKey key) => key.RawValue switch
    {
        string text => text,
        byte[] bytes => LocalKey(bytes),
        _ => null,
    };

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
    /// Hashing only the values that need it also saves the client the hash of every stamped value it reads.
    /// </summary>
    private string? LocalVersion(byte[] value) => _stamped && StampLength(value) > 0 ? null : Version(value);

    private async Task<NearCacheRead> CoherentGetAsync(RedisKey key, string localKey, CancellationToken cancellationToken)
    {
        if (_store.TryGet(localKey, out var local, out var version))
        {
            var stampLength = _stamped ? StampLength(local) : 0;
            var reply = stampLength > 0
                ? await CheckAsync(s_stampCheck, key, (ReadOnlyMemory<byte>)local.AsMemory(0, stampLength), cancellationToken).ConfigureAwait(false)
                : await CheckAsync(s_hashCheck, key, version ?? Version(local), cancellationToken).ConfigureAwait(false);
            if (reply.Type == RedisResultType.Integer)
            {
                return new NearCacheRead((ReadOnlyMemory<byte>)local, true);
            }

            Invalidate(localKey);
            if (reply.IsNull)
            {
                return new NearCacheRead(RedisValue.Null, false);
            }

            var changed = (byte[])reply.Value!;
            _store.Set(localKey, changed, LocalVersion(changed));
            return new NearCacheRead((ReadOnlyMemory<byte>)changed, false);
        }

        var value = await _inner.StringGetAsync(key, cancellationToken).ConfigureAwait(false);
        if (value.IsNull)
        {
            return new NearCacheRead(RedisValue.Null, false);
        }

        var bytes = (byte[])value!;
        _store.Set(localKey, bytes, LocalVersion(bytes));

        // The caller gets a read-only view: a byte[] it asks for is a copy, so it cannot change the local copy.
        return new NearCacheRead((ReadOnlyMemory<byte>)bytes, false);
    }

    private async Task<RedisResult> CheckAsync(LuaScript script, RedisKey key, RedisValue version, CancellationToken cancellationToken)
    {
        var slot = _multiplexer.IsCluster ? HashSlot.Get(key) : -1;
        try
        {
            return await _inner.ExecuteAsync(s_evalSha, [script.Sha, 1L, key.AsValue(), version], slot,
                static reply => reply, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // First use on this node (or it restarted, or a replica took over): EVAL runs it and caches it there.
            return await _inner.ExecuteAsync(s_eval, [script.Text, 1L, key.AsValue(), version], slot,
                static reply => reply, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<NearCacheRead> TrackedGetAsync(RedisKey key, string localKey, CancellationToken cancellationToken)
    {
        if (_store.TryGet(localKey, out var local, out _))
        {
            return new NearCacheRead((ReadOnlyMemory<byte>)local, true);
        }

        var tracking = _tracking!;
        RedisConnection? connection = null;
        try
        {
            connection = _multiplexer.GetConnection(_multiplexer.IsCluster ? HashSlot.Get(key) : -1);
        }
        catch (RedisConnectionException)
        {
            // No node for it right now: the plain path below waits for the slot map and says why it fails.
        }

        // The placeholder goes in before the tracking check and the GET, so an invalidation that arrives before the
        // reply removes it and the (by then old) value is not kept.
        var token = connection is null ? null : _store.BeginFetch(localKey);
        if (token is null || !tracking.IsTracked(connection!))
        {
            if (token is not null)
            {
                _store.AbandonFetch(token);
            }

            return new NearCacheRead(await _inner.StringGetAsync(key, cancellationToken).ConfigureAwait(false), false);
        }

        RedisResult reply;
        try
        {
            // Straight to the tracked connection of the key's node: a redirect means the slot moved, and the plain
            // path follows it without keeping the value.
            reply = await connection!.SendAsync(new PendingCommand(CommandName.Get, [key.AsValue()]))
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisServerException || e is RedisConnectionException { CommandWasNotSent: true })
        {
            _store.AbandonFetch(token);
            return new NearCacheRead(await _inner.StringGetAsync(key, cancellationToken).ConfigureAwait(false), false);
        }
        catch
        {
            _store.AbandonFetch(token);
            throw;
        }

        if (reply.IsNull)
        {
            _store.AbandonFetch(token);
            return new NearCacheRead(RedisValue.Null, false);
        }

        var bytes = (byte[])reply.Value!;
        _store.CompleteFetch(token, bytes, null);
        return new NearCacheRead((ReadOnlyMemory<byte>)bytes, false);
    }

    private void Invalidate(string localKey)
    {
        if (_store.Remove(localKey))
        {
            Invalidated(1);
        }
    }

    private void Invalidated(int count)
    {
        if (count > 0)
        {
            RedisClientDiagnostics.NearCacheInvalidations.Add(count, _modeTag);
        }
    }

    /// <summary>A Lua script and the SHA1 that EVALSHA names it by.</summary>
    private sealed class LuaScript(string text)
    {
        public string Text { get; } = text;

        public string Sha { get; } = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
