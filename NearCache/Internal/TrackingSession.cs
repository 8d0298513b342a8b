using System.Net;
using StackExchange.Redis;

namespace NearCaching.Internal;

/// <summary>
/// Tracking mode's connections and the state that says when local copies may be kept: its own multiplexer (the
/// data connections, one per node), and per master an <see cref="InvalidationListener"/> that the master's data
/// connection redirects its invalidations to (<c>CLIENT TRACKING on REDIRECT &lt;id&gt; BCAST [PREFIX p …] NOLOOP</c>).
/// </summary>
/// <remarks>
/// <para>
/// Armed: every connected master's data connection tracks into a live listener of the same node. The snapshot of
/// that (<see cref="ArmedAt"/>) names each master's socket by StackExchange.Redis's socket count; a read or a write
/// is kept only if, when its reply came, the snapshot is still current and the key's master is in it with the same
/// socket (a socket that reconnected has no tracking until re-armed, and counts one more).
/// </para>
/// <para>
/// Disarmed, with every local copy dropped, at once on anything that may lose an invalidation: a data connection
/// failed or was restored, a listener ended, the multiplexer's configuration changed (failover, slot moves, new
/// nodes) and the masters differ from the snapshot. One loop re-arms: at once when signalled, else every
/// <see cref="RetryInterval"/> while disarmed and every <see cref="CheckInterval"/> to compare the masters.
/// </para>
/// <para>
/// BCAST with NOLOOP, rather than the default mode that tracks only the keys a connection read: the server then
/// tells us of every other client's write to a tracked prefix, whether we read the key or wrote it, so a value
/// this process just wrote can be kept and read back locally, while our own writes cause no invalidation.
/// </para>
/// </remarks>
internal sealed class TrackingSession : IAsyncDisposable
{
    internal static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(250);
    internal static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly NearCache _owner;
    private readonly ConfigurationOptions _configuration;
    private readonly string _clientName;
    private readonly string[] _prefixes;
    private readonly Dictionary<EndPoint, InvalidationListener> _listeners = [];
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _armLock = new();
    private ConnectionMultiplexer? _multiplexer;
    private long _disarms;
    private Armed? _armed;
    private Task _loop = Task.CompletedTask;
    private long _arms;

    public TrackingSession(NearCache owner, IConnectionMultiplexer source, NearCacheOptions options)
    {
        _owner = owner;
        _prefixes = [.. options.TrackingPrefixes];

        // The source's own settings (endpoints, password, TLS, timeouts), plus what tracking needs: CLIENT is an admin
        // command, and the name lets an operator see these connections in CLIENT LIST.
        _configuration = ConfigurationOptions.Parse(source.Configuration);
        _clientName = $"nearcache-{Guid.NewGuid():N}"[..22];
        _configuration.AllowAdmin = true;
        _configuration.ClientName = _clientName;
        _configuration.AbortOnConnectFail = false;

        // Invalidations go to the RESP2 listeners; the data connections must not expect pushes of their own.
        _configuration.Protocol = RedisProtocol.Resp2;
    }

    /// <summary>The database of the tracked data connections.</summary>
    public IDatabase Database => (_multiplexer ?? throw new InvalidOperationException("Tracking has not started.")).GetDatabase();

    /// <summary>The armed snapshot now, or null while tracking is not armed (nothing may be kept then).</summary>
    public object? ArmedAt => Volatile.Read(ref _armed);

    /// <summary>How many times tracking was armed.</summary>
    public long Arms => Interlocked.Read(ref _arms);

    /// <summary>The client name of the data connections; the listeners add "-inv".</summary>
    public string ClientName => _clientName;

    /// <summary>Connects, arms (waiting up to the connect timeout for it), then keeps it armed in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
        _multiplexer.ConnectionFailed += OnConnectionChanged;
        _multiplexer.ConnectionRestored += OnConnectionChanged;
        _multiplexer.ConfigurationChanged += OnConfigurationChanged;
        _multiplexer.ConfigurationChangedBroadcast += OnConfigurationChanged;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_configuration.ConnectTimeout);
        while (!await TryArmAsync(timeout.Token).ConfigureAwait(false) && !timeout.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryInterval, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        _loop = Task.Run(KeepArmedAsync, CancellationToken.None);
    }

    /// <summary>Whether tracking covers a key (its prefix is tracked).</summary>
    public bool Covers(string localKey)
    {
        var prefixes = _prefixes;
        if (prefixes.Length == 0)
        {
            return true;
        }

        foreach (var prefix in prefixes)
        {
            if (localKey.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a reply for <paramref name="key"/> that just came was read through a tracked socket that has been
    /// tracked since <paramref name="armedAt"/> (one allocation: StackExchange.Redis's counters).
    /// </summary>
    public bool IsStillArmed(object armedAt, RedisKey key)
    {
        var armed = (Armed)armedAt;
        if (Volatile.Read(ref _armed) != armed || _multiplexer is not { } multiplexer)
        {
            return false;
        }

        IServer server;
        try
        {
            server = multiplexer.GetServer(key);
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        return armed.Nodes.TryGetValue(server.EndPoint, out var node)
               && node.Listener.IsOpen
               && server.IsConnected
               && server.GetCounters().Interactive.SocketCount == node.SocketCount;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        Disarm();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_multiplexer is not null)
        {
            _multiplexer.ConnectionFailed -= OnConnectionChanged;
            _multiplexer.ConnectionRestored -= OnConnectionChanged;
            _multiplexer.ConfigurationChanged -= OnConfigurationChanged;
            _multiplexer.ConfigurationChangedBroadcast -= OnConfigurationChanged;

            // Our own multiplexer: closing it ends its tracking on the servers too.
            await _multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await _multiplexer.DisposeAsync().ConfigureAwait(false);
        }

        InvalidationListener[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners.Values];
            _listeners.Clear();
        }

        foreach (var listener in listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private void OnConnectionChanged(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            // The socket that was tracked is gone (failed) or replaced (restored): its tracking ended with it.
            Disarm();
            Signal();
        }
    }

    private void OnConfigurationChanged(object? sender, EndPointEventArgs e) => Signal();

    private void OnListenerClosed(InvalidationListener listener)
    {
        // Invalidations sent to it from now on are lost.
        Disarm();
        Signal();
    }

    private void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one pass handles every event so far.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Disarm()
    {
        Armed? was;
        lock (_armLock)
        {
            // Counted even when not armed: an arming attempt in progress must not publish over this event.
            _disarms++;
            was = _armed;
            Volatile.Write(ref _armed, null);
        }

        if (was is not null)
        {
            _owner.Flush();
        }
    }

    private async Task KeepArmedAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(Volatile.Read(ref _armed) is null ? RetryInterval : CheckInterval, _stop.Token).ConfigureAwait(false);
                if (Volatile.Read(ref _armed) is { } armed && StillMatchesTopology(armed))
                {
                    continue;
                }

                Disarm();
                await TryArmAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Not armed: reads go to the server; the next pass tries again.
            }
        }
    }

    /// <summary>The connected masters now are exactly the armed ones, on the same sockets, with live listeners.</summary>
    private bool StillMatchesTopology(Armed armed)
    {
        var masters = 0;
        foreach (var server in _multiplexer!.GetServers())
        {
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            masters++;
            if (!armed.Nodes.TryGetValue(server.EndPoint, out var node)
                || !node.Listener.IsOpen
                || server.GetCounters().Interactive.SocketCount != node.SocketCount)
            {
                return false;
            }
        }

        return masters == armed.Nodes.Count;
    }

    /// <summary>One attempt to arm every connected master; true when armed.</summary>
    private async Task<bool> TryArmAsync(CancellationToken cancellationToken)
    {
        var multiplexer = _multiplexer!;

        // Anything that disarms while we arm makes this attempt void: it compares the snapshot it started from.
        var epoch = Volatile.Read(ref _disarms);
        var nodes = new Dictionary<EndPoint, ArmedNode>();
        foreach (var server in multiplexer.GetServers())
        {
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            try
            {
                var listener = await GetListenerAsync(server.EndPoint, cancellationToken).ConfigureAwait(false);
                var before = server.GetCounters().Interactive.SocketCount;

                // OFF first: a connection that tracked before (another redirect, other prefixes) refuses a second ON.
                await server.ExecuteAsync("CLIENT", "TRACKING", "OFF").ConfigureAwait(false);
                await server.ExecuteAsync("CLIENT", TrackingOnArguments(listener.ClientId)).ConfigureAwait(false);
                if (server.GetCounters().Interactive.SocketCount != before || !listener.IsOpen)
                {
                    // The socket changed between the two commands (or the listener died): try again on the next pass.
                    return false;
                }

                nodes[server.EndPoint] = new ArmedNode(before, listener);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        if (nodes.Count == 0)
        {
            return false;
        }

        await CloseListenersExceptAsync(nodes).ConfigureAwait(false);
        var armed = new Armed(nodes);
        lock (_armLock)
        {
            if (Volatile.Read(ref _disarms) != epoch || _stop.IsCancellationRequested)
            {
                return false;
            }

            // Copies kept before this point were dropped when tracking was last lost; start from nothing anyway.
            _owner.Flush();
            Volatile.Write(ref _armed, armed);
        }

        Interlocked.Increment(ref _arms);
        return true;
    }

    private object[] TrackingOnArguments(long redirect)
    {
        var arguments = new List<object>(6 + (2 * _prefixes.Length)) { "TRACKING", "ON", "REDIRECT", redirect, "BCAST" };
        foreach (var prefix in _prefixes)
        {
            arguments.Add("PREFIX");
            arguments.Add(prefix);
        }

        arguments.Add("NOLOOP");
        return [.. arguments];
    }

    private async Task<InvalidationListener> GetListenerAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        InvalidationListener? stale = null;
        lock (_listeners)
        {
            if (_listeners.TryGetValue(endPoint, out var existing))
            {
                if (existing.IsOpen)
                {
                    return existing;
                }

                stale = existing;
                _listeners.Remove(endPoint);
            }
        }

        if (stale is not null)
        {
            await stale.DisposeAsync().ConfigureAwait(false);
        }

        var listener = await InvalidationListener.ConnectAsync(endPoint, _configuration, _clientName + "-inv",
            OnInvalidation, OnServerFlush, OnListenerClosed, cancellationToken).ConfigureAwait(false);
        lock (_listeners)
        {
            _listeners[endPoint] = listener;
        }

        return listener;
    }

    private async Task CloseListenersExceptAsync(Dictionary<EndPoint, ArmedNode> keep)
    {
        List<InvalidationListener>? unused = null;
        lock (_listeners)
        {
            foreach (var (endPoint, listener) in _listeners)
            {
                if (!keep.ContainsKey(endPoint))
                {
                    (unused ??= []).Add(listener);
                }
            }

            if (unused is not null)
            {
                foreach (var listener in unused)
                {
                    _listeners.Remove(listener.EndPoint);
                }
            }
        }

        if (unused is not null)
        {
            foreach (var listener in unused)
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void OnInvalidation(ReadOnlySpan<byte> key)
    {
        if (NearCache.LocalKey(key) is { } localKey)
        {
            _owner.Invalidate(localKey);
        }
    }

    private void OnServerFlush() => _owner.Flush();

    private sealed class Armed(Dictionary<EndPoint, ArmedNode> nodes)
    {
        public Dictionary<EndPoint, ArmedNode> Nodes { get; } = nodes;
    }

    private sealed record ArmedNode(long SocketCount, InvalidationListener Listener);
}
