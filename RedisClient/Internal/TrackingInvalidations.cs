using System.Collections.Concurrent;
using System.Net;
using RedisClient.Protocol;

namespace RedisClient.Internal;

/// <summary>
/// Redis client-side caching (CLIENT TRACKING, RESP2 redirect mode) for a near cache. Per node: one listener
/// connection SUBSCRIBEd to <c>__redis__:invalidate</c>, and the multiplexer's command connection to that node runs
/// <c>CLIENT TRACKING on REDIRECT &lt;listener id&gt;</c>, so the server pushes the name of every key this client read
/// once that key changes (written, deleted, expired, evicted). A connection is "tracked" only while both sides are
/// up with matching ids; losing either flushes every local copy, because invalidations may have been missed.
/// </summary>
internal sealed class TrackingInvalidations(ConnectionMultiplexer multiplexer, NearCacheStore store, Action<int> invalidated) : IAsyncDisposable
{
    private const string Channel = "__redis__:invalidate";

    private readonly ConcurrentDictionary<DnsEndPoint, Lazy<Listener>> _listeners = new();
    private readonly ConcurrentDictionary<RedisConnection, long> _tracked = new();
    private readonly CancellationTokenSource _disposed = new();

    // Drops per connection: an enable that started before a drop must not mark the reconnected socket as tracked.
    private readonly ConcurrentDictionary<RedisConnection, long> _drops = new();
    private long _invalidationMessages;

    /// <summary>Server invalidations received (keys named, or flushes), for tests and diagnostics.</summary>
    public long InvalidationMessages => Interlocked.Read(ref _invalidationMessages);

    private ConfigurationOptions Configuration => multiplexer.Configuration;

    public void Start()
    {
        multiplexer.ConnectionDropped += OnCommandConnectionDropped;
        multiplexer.ConnectionEstablished += OnCommandConnectionEstablished;
        foreach (var connection in multiplexer.Connections)
        {
            if (connection.IsConnected)
            {
                _ = EnableAsync(connection);
            }
        }
    }

    /// <summary>True when reads through <paramref name="connection"/> are tracked and their invalidations arrive.</summary>
    public bool IsTracked(RedisConnection connection)
        => connection.IsConnected
           && _tracked.TryGetValue(connection, out var redirect)
           && _listeners.TryGetValue(connection.EndPoint, out var lazy) && lazy.IsValueCreated
           && lazy.Value.ClientId == redirect;

    /// <summary>Waits until every known master's connection is tracked (for tests and benchmarks; polls).</summary>
    public async Task WaitUntilTrackedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var masters = multiplexer.Masters;
            var all = masters.Count > 0 && masters.All(m => multiplexer.Connections.Any(c => c.EndPoint.Equals(m) && IsTracked(c)));
            if (all)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"CLIENT TRACKING was not on for every master within {timeout.TotalSeconds} s.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        multiplexer.ConnectionDropped -= OnCommandConnectionDropped;
        multiplexer.ConnectionEstablished -= OnCommandConnectionEstablished;
        foreach (var lazy in _listeners.Values)
        {
            if (lazy.IsValueCreated)
            {
                await lazy.Value.Connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        // The command connections may outlive this near cache: stop the server tracking for nothing.
        foreach (var connection in _tracked.Keys)
        {
            if (connection.IsConnected)
            {
                _ = connection.SendAsync(new PendingCommand(CommandName.Client, ["TRACKING", "OFF"]))
                    .ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
        }

        _tracked.Clear();
    }

    private void OnCommandConnectionDropped(RedisConnection connection)
    {
        _drops.AddOrUpdate(connection, 1, static (_, drops) => drops + 1);
        _tracked.TryRemove(connection, out _);
        Flush();
    }

    private void OnCommandConnectionEstablished(RedisConnection connection)
    {
        if (!IsTracked(connection))
        {
            _ = EnableAsync(connection);
        }
    }

    private async Task EnableAsync(RedisConnection connection)
    {
        try
        {
            var listener = GetListener(connection.EndPoint);
            await listener.Started.ConfigureAwait(false);
            var redirect = listener.ClientId;
            var drops = _drops.GetValueOrDefault(connection);
            if (redirect < 0 || !connection.IsConnected || _disposed.IsCancellationRequested)
            {
                // The listener's Connected event enables it once the listener is up.
                return;
            }

            await connection.SendAsync(new PendingCommand(CommandName.Client, ["TRACKING", "ON", "REDIRECT", redirect])).ConfigureAwait(false);
            if (_drops.GetValueOrDefault(connection) == drops && connection.IsConnected)
            {
                _tracked[connection] = redirect;
            }
        }
        catch (Exception) when (!_disposed.IsCancellationRequested)
        {
            // Not tracked: reads through it are not kept locally; the next (re)connect of either side tries again.
        }
        catch (Exception)
        {
        }
    }

    private Listener GetListener(DnsEndPoint endPoint)
        => _listeners.GetOrAdd(endPoint, e => new Lazy<Listener>(() => new Listener(this, e))).Value;

    private void OnListenerConnected(Listener listener)
    {
        foreach (var connection in multiplexer.Connections)
        {
            if (connection.EndPoint.Equals(listener.EndPoint) && connection.IsConnected)
            {
                _ = EnableAsync(connection);
            }
        }
    }

    private void OnInvalidation(RedisResult payload)
    {
        Interlocked.Increment(ref _invalidationMessages);

        // A nil payload means "forget everything" (FLUSHALL/FLUSHDB, or the server's tracking table overflowed).
        if (payload.IsNull)
        {
            Flush();
            return;
        }

        var count = 0;
        foreach (var item in payload.Items ?? [payload])
        {
            if (LocalKeyOf(item) is { } key && store.Remove(key))
            {
                count++;
            }
        }

        invalidated(count);
    }

    private static string? LocalKeyOf(RedisResult item)
        => item.Value.RawValue is byte[] bytes ? NearCacheDatabase.LocalKey(bytes) : item.Value.ToString();

    private void Flush() => invalidated(store.Clear());

    /// <summary>The invalidation subscriber of one node.</summary>
    private sealed class Listener
    {
        private readonly TrackingInvalidations _owner;
        private long _handshakeId = -1;
        private long _clientId = -1;

        public Listener(TrackingInvalidations owner, DnsEndPoint endPoint)
        {
            _owner = owner;
            EndPoint = endPoint;
            Connection = new RedisConnection(endPoint, owner.Configuration, static () => [Channel],
                (_, payload) => owner.OnInvalidation(payload), HandshakeAsync);
            Connection.Connected += _ =>
            {
                // Published only now that SUBSCRIBE is done: a redirect to a client not yet subscribed loses messages.
                Volatile.Write(ref _clientId, Volatile.Read(ref _handshakeId));
                owner.OnListenerConnected(this);
            };
            Connection.Dropped += _ =>
            {
                Volatile.Write(ref _clientId, -1);
                owner.Flush();
            };
            Started = ConnectAsync();
        }

        public DnsEndPoint EndPoint { get; }

        public RedisConnection Connection { get; }

        public Task Started { get; }

        /// <summary>The server's id of this connection while it is subscribed; -1 otherwise.</summary>
        public long ClientId => Volatile.Read(ref _clientId);

        private async Task HandshakeAsync(RedisConnection connection, HandshakeSend send)
        {
            var reply = await send(CommandName.Client, ["ID"]).ConfigureAwait(false);
            Volatile.Write(ref _handshakeId, (long)reply.Value);
        }

        private async Task ConnectAsync()
        {
            try
            {
                await Connection.ConnectAsync(_owner._disposed.Token).ConfigureAwait(false);
            }
            catch (Exception) when (!_owner._disposed.IsCancellationRequested)
            {
                Connection.StartReconnecting(TimeSpan.FromMilliseconds(100));
            }
            catch (Exception)
            {
            }
        }
    }
}
