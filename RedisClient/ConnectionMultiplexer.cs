using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using RedisClient.Internal;
using RedisClient.Protocol;

namespace RedisClient;

/// <summary>
/// One multiplexed connection per Redis endpoint, shared by all callers, shaped like StackExchange.Redis's
/// <c>ConnectionMultiplexer</c>. Create one per application and keep it.
/// </summary>
public sealed partial class ConnectionMultiplexer : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan s_healthyRefreshInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_degradedRefreshInterval = TimeSpan.FromMilliseconds(200);

    private readonly ConcurrentDictionary<DnsEndPoint, RedisConnection> _connections = new();
    private readonly Lock _connectionsLock = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly SemaphoreSlim _refreshRequested = new(0);
    private readonly RedisDatabase _database;
    private readonly Lazy<RedisSubscriber> _subscriber;
    private volatile ClusterSlotMap? _slots;
    private volatile RedisConnection? _primary;
    private volatile bool _topologyKnown;
    private volatile bool _detectOnConnect;
    private int _refreshLoopStarted;
    private Task _refreshLoop = Task.CompletedTask;
    private int _refreshing;
    private long _movedCount;
    private long _askCount;
    private NearCacheDatabase? _trackingNearCache;
    private readonly List<IAsyncDisposable> _ownedResources = [];

    private ConnectionMultiplexer(ConfigurationOptions options)
    {
        Configuration = options;
        _database = new RedisDatabase(this);
        _subscriber = new Lazy<RedisSubscriber>(() => new RedisSubscriber(this));
    }

    /// <summary>The parsed configuration.</summary>
    public ConfigurationOptions Configuration { get; }

    /// <summary>True when the server turned out to be a Redis Cluster.</summary>
    public bool IsCluster => _slots is not null;

    /// <summary>The masters currently known (the one endpoint in standalone mode).</summary>
    public IReadOnlyList<DnsEndPoint> Masters
        => _slots?.Masters ?? (_primary is { } primary ? [primary.EndPoint] : []);

    /// <summary>
    /// Connects using a StackExchange.Redis configuration string:
    /// <c>host:port[,host:port...][,password=...][,user=...][,connectTimeout=ms][,syncTimeout=ms][,abortConnect=false]</c>.
    /// </summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string configuration, CancellationToken cancellationToken = default)
        => ConnectAsync(ConfigurationOptions.Parse(configuration), cancellationToken);

    /// <summary>Connects with parsed options; see <see cref="ConnectAsync(string, CancellationToken)"/>.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var multiplexer = new ConnectionMultiplexer(options);
        try
        {
            await multiplexer.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return multiplexer;
        }
        catch
        {
            await multiplexer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The database API; cheap to call, the result may be cached.</summary>
    public IDatabase GetDatabase() => _database;

    /// <summary>The pub/sub API (its own connection).</summary>
    public ISubscriber GetSubscriber() => _subscriber.Value;

    /// <summary>
    /// A database that keeps recently read values in this process (a near cache); see <see cref="NearCacheOptions"/>.
    /// Same as <c>GetDatabase().WithNearCache(options)</c>. Each call makes a new near cache: create one and keep it.
    /// </summary>
    public INearCacheDatabase GetNearCacheDatabase(NearCacheOptions? options = null)
    {
        options ??= new NearCacheOptions();
        options.Validate();
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        NearCacheDatabase nearCache;
        lock (_connectionsLock)
        {
            if (options.Mode == NearCacheMode.Tracking && _trackingNearCache is not null)
            {
                throw new InvalidOperationException(
                    "This multiplexer already has a near cache in Tracking mode (a connection can redirect its invalidations to one " +
                    "client only). Create one tracking near cache per multiplexer and share it, or use NearCacheMode.Coherent.");
            }

            nearCache = new NearCacheDatabase(this, options);
            if (options.Mode == NearCacheMode.Tracking)
            {
                _trackingNearCache = nearCache;
            }

            _ownedResources.Add(nearCache);
        }

        nearCache.Start();
        return nearCache;
    }

    /// <summary>Forgets a near cache disposed by its owner (it no longer needs disposing with the multiplexer).</summary>
    internal void Release(NearCacheDatabase nearCache)
    {
        lock (_connectionsLock)
        {
            _ownedResources.Remove(nearCache);
            if (_trackingNearCache == nearCache)
            {
                _trackingNearCache = null;
            }
        }
    }

    /// <summary>True when at least one endpoint is connected.</summary>
    public bool IsConnected => _connections.Values.Any(c => c.IsConnected);

    /// <summary>The slot of a key and the master that serves it now (null in standalone mode).</summary>
    public DnsEndPoint? GetMasterFor(RedisKey key) => _slots?.GetMaster(HashSlot.Get(key)) ?? _primary?.EndPoint;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        try
        {
            await _refreshLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_subscriber.IsValueCreated)
        {
            await _subscriber.Value.DisposeAsync().ConfigureAwait(false);
        }

        IAsyncDisposable[] owned;
        lock (_connectionsLock)
        {
            owned = [.. _ownedResources];
        }

        foreach (var resource in owned)
        {
            await resource.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal RedisDatabase Database => _database;

    /// <summary>The interactive connections made so far (connected or not).</summary>
    internal ICollection<RedisConnection> Connections => _connections.Values;

    /// <summary>Raised when an interactive connection is lost (before it reconnects).</summary>
    internal event Action<RedisConnection>? ConnectionDropped;

    /// <summary>Raised when an interactive connection is (re)established.</summary>
    internal event Action<RedisConnection>? ConnectionEstablished;

    /// <summary>MOVED and ASK replies followed so far (for tests and diagnostics).</summary>
    internal (long Moved, long Ask) Redirects => (Interlocked.Read(ref _movedCount), Interlocked.Read(ref _askCount));

    /// <summary>The connection for a slot (-1: any master); made on demand for masters seen for the first time.</summary>
    internal RedisConnection GetConnection(int slot)
    {
        var map = _slots;
        if (map is null)
        {
            return _primary ?? throw new RedisConnectionException(
                $"Not connected to {Configuration}; still trying in the background (abortConnect=false).") { CommandWasNotSent = true };
        }

        var master = slot >= 0 ? map.GetMaster(slot) : null;
        if (master is null)
        {
            foreach (var candidate in map.Masters)
            {
                if (_connections.TryGetValue(candidate, out var connected) && connected.IsConnected)
                {
                    return connected;
                }
            }

            master = map.Masters.Count > 0 ? map.Masters[0] : _primary?.EndPoint;
            if (master is null)
            {
                throw new RedisConnectionException($"No master of the cluster {Configuration} is known.") { CommandWasNotSent = true };
            }
        }

        return GetOrAddConnection(master, startConnecting: true);
    }

    /// <summary>The endpoint the subscriber connection uses: the standalone server or a master of the cluster.</summary>
    internal DnsEndPoint SubscriberEndPoint
        => _slots?.Masters.FirstOrDefault(m => _connections.TryGetValue(m, out var c) && c.IsConnected)
           ?? _primary?.EndPoint ?? Configuration.EndPoints[0];

    /// <summary>
    /// Reads a MOVED or ASK error. MOVED patches the slot map and asks for a refresh; both return the target.
    /// </summary>
    internal bool TryRedirect(RedisServerException error, out RedisConnection target, out bool asking)
    {
        target = null!;
        var message = error.Message;
        asking = message.StartsWith("ASK ", StringComparison.Ordinal);
        if (!asking && !message.StartsWith("MOVED ", StringComparison.Ordinal))
        {
            return false;
        }

        // "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381"
        var parts = message.Split(' ', 4);
        var colon = parts.Length >= 3 ? parts[2].LastIndexOf(':') : -1;
        if (colon <= 0
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var slot)
            || !int.TryParse(parts[2].AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || slot >= HashSlot.Count)
        {
            return false;
        }

        var host = parts[2][..colon];
        if (host.Length == 0)
        {
            host = _primary?.EndPoint.Host ?? Configuration.EndPoints[0].Host;
        }

        Interlocked.Increment(ref asking ? ref _askCount : ref _movedCount);
        var endPoint = _connections.Keys.FirstOrDefault(e => e.Port == port && e.Host == host) ?? new DnsEndPoint(host, port);
        if (!asking && _slots is { } map)
        {
            map.SetMaster(slot, endPoint);
            RequestRefresh();
        }

        target = GetOrAddConnection(endPoint, startConnecting: true);
        return true;
    }

    /// <summary>Asks the background loop to reload the slot map soon (after a MOVED or a dropped node).</summary>
    internal void RequestRefresh()
    {
        if (_slots is not null && _refreshRequested.CurrentCount == 0)
        {
            _refreshRequested.Release();
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var errors = new List<RedisConnectionException>();
        foreach (var endPoint in Configuration.EndPoints)
        {
            var connection = GetOrAddConnection(endPoint, startConnecting: false);
            try
            {
                await connection.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisConnectionException e)
            {
                errors.Add(e);
                continue;
            }

            await DetectTopologyAsync(connection, cancellationToken).ConfigureAwait(false);
            foreach (var other in _connections.Values.Where(c => !c.IsConnected))
            {
                other.StartReconnecting(TimeSpan.Zero);
            }

            return;
        }

        if (Configuration.AbortOnConnectFail)
        {
            // A wrong password is the most useful thing to say; otherwise list why each endpoint failed.
            var authentication = errors.FirstOrDefault(e => e.Message.Contains("password", StringComparison.Ordinal));
            if (authentication is not null)
            {
                throw authentication;
            }

            throw new RedisConnectionException(
                $"Could not connect to {Configuration}: {string.Join(" ", errors.Select(e => e.Message))} " +
                "Set abortConnect=false in the connection string to start anyway and keep retrying in the background.",
                errors.FirstOrDefault());
        }

        // abortConnect=false: keep trying every endpoint; the first one that answers decides the topology.
        _primary = _connections[Configuration.EndPoints[0]];
        _detectOnConnect = true;
        foreach (var connection in _connections.Values)
        {
            connection.StartReconnecting(TimeSpan.Zero);
        }
    }

    private async Task DetectTopologyAsync(RedisConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await connection.SendAsync(new PendingCommand(CommandName.Cluster, ["SLOTS"]))
                .WaitAsync(Configuration.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            var map = ClusterSlotMap.Parse(reply, connection.EndPoint);
            if (map.Masters.Count == 0)
            {
                throw new RedisConnectionException($"{connection.Name} is in cluster mode but no slot is assigned yet; create the cluster first.");
            }

            _primary = connection;
            _slots = map;
            await ConnectMastersAsync(map, cancellationToken).ConfigureAwait(false);
            if (Interlocked.Exchange(ref _refreshLoopStarted, 1) == 0)
            {
                _refreshLoop = RefreshLoopAsync();
            }
        }
        catch (RedisServerException e) when (e.Message.Contains("cluster support disabled", StringComparison.OrdinalIgnoreCase)
                                             || e.Message.StartsWith("ERR unknown", StringComparison.OrdinalIgnoreCase))
        {
            _primary = connection;
        }

        _topologyKnown = true;
    }

    private async Task ConnectMastersAsync(ClusterSlotMap map, CancellationToken cancellationToken)
    {
        var connecting = new List<Task>();
        foreach (var master in map.Masters)
        {
            var connection = GetOrAddConnection(master, startConnecting: false);
            if (!connection.IsConnected)
            {
                connecting.Add(ConnectOrRetryAsync(connection, cancellationToken));
            }
        }

        await Task.WhenAll(connecting).ConfigureAwait(false);
    }

    private static async Task ConnectOrRetryAsync(RedisConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectionException)
        {
            connection.StartReconnecting(TimeSpan.FromMilliseconds(100));
        }
    }

    private RedisConnection GetOrAddConnection(DnsEndPoint endPoint, bool startConnecting)
    {
        if (_connections.TryGetValue(endPoint, out var existing))
        {
            return existing;
        }

        lock (_connectionsLock)
        {
            if (_connections.TryGetValue(endPoint, out existing))
            {
                return existing;
            }

            var connection = new RedisConnection(endPoint, Configuration);
            connection.Dropped += OnDropped;
            connection.Connected += OnConnected;
            _connections[endPoint] = connection;
            if (startConnecting)
            {
                connection.StartReconnecting(TimeSpan.Zero);
            }

            return connection;
        }
    }

    private void OnDropped(RedisConnection connection)
    {
        ConnectionDropped?.Invoke(connection);
        RequestRefresh();
    }

    private void OnConnected(RedisConnection connection)
    {
        ConnectionEstablished?.Invoke(connection);
        if (_detectOnConnect && !_topologyKnown && !_disposed.IsCancellationRequested)
        {
            _ = DetectTopologyInBackgroundAsync(connection);
        }
    }

    private async Task DetectTopologyInBackgroundAsync(RedisConnection connection)
    {
        try
        {
            await DetectTopologyAsync(connection, _disposed.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The next (re)connect tries again.
        }
    }

    private async Task RefreshLoopAsync()
    {
        try
        {
            while (!_disposed.IsCancellationRequested)
            {
                var degraded = _slots?.Masters.Any(m => !_connections.TryGetValue(m, out var c) || !c.IsConnected) ?? false;
                await _refreshRequested.WaitAsync(degraded ? s_degradedRefreshInterval : s_healthyRefreshInterval, _disposed.Token).ConfigureAwait(false);
                await RefreshSlotsAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
    }

    private async Task RefreshSlotsAsync()
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        try
        {
            // Ask the masters we know first, then anyone connected (a promoted replica knows the new map).
            var current = _slots;
            var candidates = (current?.Masters ?? [])
                .Select(m => _connections.TryGetValue(m, out var c) ? c : null)
                .Concat(_connections.Values)
                .Where(c => c is { IsConnected: true })
                .Distinct();
            foreach (var connection in candidates)
            {
                try
                {
                    var reply = await connection!.SendAsync(new PendingCommand(CommandName.Cluster, ["SLOTS"]))
                        .WaitAsync(Configuration.ConnectTimeout, _disposed.Token).ConfigureAwait(false);
                    var map = ClusterSlotMap.Parse(reply, connection.EndPoint);
                    if (map.Masters.Count == 0)
                    {
                        continue;
                    }

                    _slots = map;
                    foreach (var master in map.Masters)
                    {
                        GetOrAddConnection(master, startConnecting: true);
                    }

                    return;
                }
                catch (Exception e) when (e is RedisConnectionException or RedisServerException or RedisTimeoutException or TimeoutException or RedisProtocolException)
                {
                    // Try the next node.
                }
            }
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
