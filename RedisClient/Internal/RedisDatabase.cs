using System.Diagnostics;
using RedisClient.Protocol;

namespace RedisClient.Internal;

/// <summary>
/// <see cref="IDatabase"/> over the multiplexer: routes each command (by its key's slot in cluster mode), follows
/// MOVED/ASK, traces and measures it.
/// </summary>
internal sealed class RedisDatabase(ConnectionMultiplexer multiplexer) : IDatabase
{
    /// <summary>The multiplexer this database sends through.</summary>
    public ConnectionMultiplexer Multiplexer => multiplexer;

    // A slot can move twice while we chase it (migration + failover); more than that is a loop.
    private const int MaxRedirects = 5;

    // Commands without a key are sent to any master.
    private static readonly HashSet<string> s_keyless = new(StringComparer.OrdinalIgnoreCase)
    {
        "PING", "ECHO", "INFO", "CLUSTER", "CLIENT", "CONFIG", "DBSIZE", "FLUSHALL", "FLUSHDB", "TIME", "PUBLISH",
        "COMMAND", "SCRIPT", "FUNCTION", "WAIT", "LASTSAVE", "MEMORY", "SLOWLOG", "LATENCY", "ACL", "HELLO", "READONLY",
        "READWRITE", "RANDOMKEY", "SCAN", "KEYS", "ROLE", "DEBUG", "SAVE", "BGSAVE", "BGREWRITEAOF", "SWAPDB", "SELECT",
    };

    // Commands whose every argument is a key: they must all hash to one slot in cluster mode.
    private static readonly HashSet<string> s_allKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "DEL", "UNLINK", "EXISTS", "TOUCH", "MGET", "WATCH", "SINTER", "SUNION", "SDIFF", "PFCOUNT",
    };

    /// <inheritdoc />
    public Task<RedisValue> StringGetAsync(RedisKey key, CancellationToken cancellationToken = default)
        => ExecuteAsync(CommandName.Get, [key.AsValue()], Slot(key), static reply => reply.Value, cancellationToken);

    /// <inheritdoc />
    public async Task<RedisValue[]> StringGetAsync(RedisKey[] keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Length == 0)
        {
            return [];
        }

        if (!multiplexer.IsCluster || SameSlot(keys) >= 0)
        {
            return await ExecuteAsync(CommandName.MGet, ToValues(keys), multiplexer.IsCluster ? HashSlot.Get(keys[0]) : -1,
                static reply => ToValues(reply), cancellationToken).ConfigureAwait(false);
        }

        // A read may be split: one MGET per slot, in parallel, then the values back in the caller's order.
        var groups = new Dictionary<int, List<int>>();
        for (var i = 0; i < keys.Length; i++)
        {
            var slot = HashSlot.Get(keys[i]);
            if (!groups.TryGetValue(slot, out var indexes))
            {
                groups[slot] = indexes = [];
            }

            indexes.Add(i);
        }

        var results = new RedisValue[keys.Length];
        var reads = groups.Select(async group =>
        {
            var values = await ExecuteAsync(CommandName.MGet, group.Value.Select(i => keys[i].AsValue()).ToArray(), group.Key,
                static reply => ToValues(reply), cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < values.Length; i++)
            {
                results[group.Value[i]] = values[i];
            }
        });
        await Task.WhenAll(reads).ConfigureAwait(false);
        return results;
    }

    /// <inheritdoc />
    public Task<bool> StringSetAsync(RedisKey key, RedisValue value, TimeSpan? expiry = null, When when = When.Always, CancellationToken cancellationToken = default)
    {
        RedisValue[] args;
        if (expiry is { } ttl)
        {
            if (ttl <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(expiry), ttl, "An expiry must be positive; delete the key to remove it now.");
            }

            var milliseconds = (long)Math.Ceiling(ttl.TotalMilliseconds);
            args = when == When.Always ? [key.AsValue(), value, "PX", milliseconds] : [key.AsValue(), value, "PX", milliseconds, Condition(when)];
        }
        else
        {
            args = when == When.Always ? [key.AsValue(), value] : [key.AsValue(), value, Condition(when)];
        }

        // SET answers +OK, or nil when NX/XX was not met.
        return ExecuteAsync(CommandName.Set, args, Slot(key), static reply => !reply.IsNull, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> KeyDeleteAsync(RedisKey key, CancellationToken cancellationToken = default)
        => ExecuteAsync(CommandName.Del, [key.AsValue()], Slot(key), static reply => (long)reply.Value > 0, cancellationToken);

    /// <inheritdoc />
    public Task<long> KeyDeleteAsync(RedisKey[] keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Length == 0)
        {
            return Task.FromResult(0L);
        }

        var slot = multiplexer.IsCluster ? RequireSameSlot("DEL", keys) : -1;
        return ExecuteAsync(CommandName.Del, ToValues(keys), slot, static reply => (long)reply.Value, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> KeyExistsAsync(RedisKey key, CancellationToken cancellationToken = default)
        => ExecuteAsync(CommandName.Exists, [key.AsValue()], Slot(key), static reply => (long)reply.Value > 0, cancellationToken);

    /// <inheritdoc />
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        await ExecuteAsync(CommandName.Ping, [], -1, static reply => reply, cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }

    /// <inheritdoc />
    public Task<long> WaitAsync(RedisKey key, int numReplicas, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numReplicas);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);

        // WAIT counts the writes sent before it on the same connection: the one to the master owning the key.
        return ExecuteAsync(CommandName.Wait, [(long)numReplicas, (long)timeout.TotalMilliseconds], Slot(key),
            static reply => (long)reply.Value, cancellationToken, followRedirects: false);
    }

    /// <inheritdoc />
    public Task<RedisResult> ExecuteAsync(string command, params object[] args)
        => ExecuteAsync(command, (ICollection<object>)args, CancellationToken.None);

    /// <inheritdoc />
    public Task<RedisResult> ExecuteAsync(string command, ICollection<object> args, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentNullException.ThrowIfNull(args);
        var values = new RedisValue[args.Count];
        var i = 0;
        foreach (var arg in args)
        {
            values[i++] = ToValue(arg);
        }

        var slot = -1;
        if (multiplexer.IsCluster && values.Length > 0 && !s_keyless.Contains(command))
        {
            slot = command.ToUpperInvariant() switch
            {
                var name when s_allKeys.Contains(name) => RequireSameSlot(name, values),
                "MSET" or "MSETNX" => RequireSameSlot(command.ToUpperInvariant(), values.Where((_, index) => index % 2 == 0).ToArray()),

                // EVAL script numkeys key... arg...: the keys decide; no key means any node.
                "EVAL" or "EVALSHA" or "EVAL_RO" or "EVALSHA_RO" or "FCALL" or "FCALL_RO" when values.Length >= 2 =>
                    long.TryParse(values[1].ToString(), out var numKeys) && numKeys > 0 && values.Length >= 2 + numKeys
                        ? RequireSameSlot(command.ToUpperInvariant(), values[2..(2 + (int)numKeys)])
                        : -1,
                _ => SlotOf(values[0]),
            };
        }

        return ExecuteAsync(CommandName.For(command), values, slot, static reply => reply, cancellationToken);
    }

    /// <summary>
    /// Sends one command and maps its reply. In cluster mode a MOVED or ASK reply is followed (the command was not
    /// run, so sending it again is safe), and so is a command that was never sent because its node is gone, after
    /// the slot map is reloaded. A command that was sent is never sent again.
    /// </summary>
    internal async Task<T> ExecuteAsync<T>(CommandName name, RedisValue[] args, int slot, Func<RedisResult, T> map,
        CancellationToken cancellationToken, bool followRedirects = true)
    {
        var start = Stopwatch.GetTimestamp();
        using var activity = RedisClientDiagnostics.StartCommand(name.Text);
        RedisConnection? connection = null;
        try
        {
            var asking = false;
            for (var attempt = 0; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                connection ??= multiplexer.GetConnection(slot);
                var command = new PendingCommand(name, args) { Asking = asking };
                using var registration = cancellationToken.CanBeCanceled
                    ? cancellationToken.UnsafeRegister(static (state, token) => ((PendingCommand)state!).TrySetCanceled(token), command)
                    : default;
                try
                {
                    var reply = await connection.SendAsync(command).ConfigureAwait(false);
                    var result = map(reply);
                    Record(name, connection, activity, start, null);
                    return result;
                }
                catch (RedisServerException e) when (followRedirects && attempt < MaxRedirects && multiplexer.TryRedirect(e, out var target, out asking))
                {
                    connection = target;
                }
                catch (RedisServerException e) when (attempt < MaxRedirects && e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal))
                {
                    // A multi-key command during a migration: the keys are split between two nodes for a moment.
                    await Task.Delay(20 * (attempt + 1), cancellationToken).ConfigureAwait(false);
                    connection = null;
                    asking = false;
                }
                catch (RedisConnectionException e) when (e.CommandWasNotSent && multiplexer.IsCluster && attempt < MaxRedirects)
                {
                    multiplexer.RequestRefresh();
                    await Task.Delay(100 * (attempt + 1), cancellationToken).ConfigureAwait(false);
                    connection = null;
                    asking = false;
                }
            }
        }
        catch (Exception e)
        {
            Record(name, connection, activity, start, e);
            throw;
        }
    }

    private static void Record(CommandName name, RedisConnection? connection, Activity? activity, long start, Exception? error)
    {
        if (activity is not null)
        {
            if (connection is not null)
            {
                activity.SetTag("server.address", connection.EndPoint.Host);
                activity.SetTag("server.port", connection.EndPoint.Port);
            }

            if (error is not null)
            {
                activity.SetTag("error.type", error.GetType().Name);
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
            }
        }

        if (RedisClientDiagnostics.Duration.Enabled)
        {
            var tags = new TagList
            {
                { "db.system.name", "redis" },
                { "db.operation.name", name.Text },
            };
            if (error is not null)
            {
                tags.Add("error.type", error.GetType().Name);
            }

            RedisClientDiagnostics.Duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, tags);
        }

        if (error is not null && RedisClientDiagnostics.Errors.Enabled)
        {
            RedisClientDiagnostics.Errors.Add(1, new KeyValuePair<string, object?>("db.operation.name", name.Text),
                new KeyValuePair<string, object?>("error.type", error.GetType().Name));
        }
    }

    private int Slot(RedisKey key) => multiplexer.IsCluster ? HashSlot.Get(key) : -1;

    private static int SlotOf(RedisValue value) => value.RawValue switch
    {
        byte[] bytes => HashSlot.Get(bytes),
        string text => HashSlot.Get((RedisKey)text),
        _ => HashSlot.Get(value.AsMemory().Span),
    };

    private static int SameSlot(RedisKey[] keys)
    {
        var slot = HashSlot.Get(keys[0]);
        for (var i = 1; i < keys.Length; i++)
        {
            if (HashSlot.Get(keys[i]) != slot)
            {
                return -1;
            }
        }

        return slot;
    }

    private static int RequireSameSlot(string command, RedisKey[] keys) => RequireSameSlot(command, ToValues(keys));

    private static int RequireSameSlot(string command, RedisValue[] keys)
    {
        var slot = SlotOf(keys[0]);
        for (var i = 1; i < keys.Length; i++)
        {
            var other = SlotOf(keys[i]);
            if (other != slot)
            {
                throw new ArgumentException(
                    $"{command} with keys in different cluster slots ('{keys[0]}' is in slot {slot}, '{keys[i]}' in slot {other}). " +
                    "A multi-key command runs on one node: give the keys a common {hash tag} (e.g. '{user:1}:a' and '{user:1}:b') " +
                    "or send one command per key.", "keys");
            }
        }

        return slot;
    }

    private static RedisValue[] ToValues(RedisKey[] keys)
    {
        var values = new RedisValue[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            values[i] = keys[i].AsValue();
        }

        return values;
    }

    private static RedisValue[] ToValues(RedisResult reply)
    {
        var items = reply.Items ?? [];
        var values = new RedisValue[items.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = items[i].Value;
        }

        return values;
    }

    private static RedisValue Condition(When when) => when switch
    {
        When.NotExists => "NX",
        When.Exists => "XX",
        _ => throw new ArgumentOutOfRangeException(nameof(when), when, "Unknown condition."),
    };

    private static RedisValue ToValue(object arg) => arg switch
    {
        null => throw new ArgumentNullException(nameof(arg), "A Redis argument cannot be null; pass an empty string instead."),
        RedisValue value => value,
        RedisKey key => key.AsValue(),
        string text => text,
        byte[] bytes => bytes,
        ReadOnlyMemory<byte> memory => memory,
        Memory<byte> memory => (ReadOnlyMemory<byte>)memory,
        int number => (long)number,
        long number => number,
        uint number => (long)number,
        short number => (long)number,
        double number => number,
        float number => (double)number,
        bool flag => flag ? 1L : 0L,
        _ => throw new ArgumentException(
            $"Cannot send a {arg.GetType().Name} as a Redis argument; use a string, byte[], ReadOnlyMemory<byte>, number, RedisKey or RedisValue.",
            nameof(arg)),
    };
}
