using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hosting.Cluster;

/// <summary>
/// Runs a Redis Cluster of real <c>redis-server</c> processes on loopback and turns every chore of running one
/// (create, add a master and rebalance, add a replica, remove a node with its data, fail over, reset) into one
/// call that is safe while clients keep reading and writing. Operations run one at a time.
/// </summary>
public sealed partial class RedisClusterManager : IAsyncDisposable
{
    private readonly RedisClusterOptions _options;
    private readonly ILogger _logger;
    private readonly ClusterEventStream _events = new();
    private readonly SemaphoreSlim _operationGate = new(1, 1);
    private readonly object _lock = new();
    private readonly Dictionary<int, ClusterNodeProcess> _nodes = [];
    private readonly Dictionary<int, RespConnection> _connections = [];
    private readonly List<int> _initialPorts;
    private readonly Queue<ClusterOperationEvent> _recentEvents = new();
    private readonly string _dataDirectory;
    private readonly bool _ownsDataDirectory;
    private bool _disposed;

    /// <summary>Creates a manager; nothing runs until <see cref="CreateAsync"/> (or use <see cref="StartAsync"/>).</summary>
    public RedisClusterManager(RedisClusterOptions? options = null, ILogger<RedisClusterManager>? logger = null)
    {
        _options = options ?? new RedisClusterOptions();
        if (_options.Masters < 3)
        {
            throw new ArgumentException($"A Redis Cluster needs at least 3 masters; RedisClusterOptions.Masters was {_options.Masters}.", nameof(options));
        }

        if (_options.ReplicasPerMaster < 0)
        {
            throw new ArgumentException($"RedisClusterOptions.ReplicasPerMaster must be 0 or more; it was {_options.ReplicasPerMaster}.", nameof(options));
        }

        if (_options.NodeTimeout < TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentException($"RedisClusterOptions.NodeTimeout must be at least 100 ms; it was {_options.NodeTimeout}.", nameof(options));
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Password = _options.Password ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _ownsDataDirectory = _options.DataDirectory is null;
        _dataDirectory = _options.DataDirectory ?? Directory.CreateTempSubdirectory("redis-cluster-").FullName;
        // Ports are chosen now so the connection string is known before the nodes run (an app model needs it early);
        // ResetAsync creates the cluster again on the same ports, so it stays valid.
        _initialPorts = [.. Enumerable.Range(0, _options.Masters * (1 + _options.ReplicasPerMaster)).Select(_ => ClusterPorts.Next())];
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Creates a manager and its cluster, and waits until the cluster is ready.</summary>
    public static async Task<RedisClusterManager> StartAsync(RedisClusterOptions? options = null, ILogger<RedisClusterManager>? logger = null, CancellationToken cancellationToken = default)
    {
        var manager = new RedisClusterManager(options, logger);
        try
        {
            await manager.CreateAsync(cancellationToken).ConfigureAwait(false);
            return manager;
        }
        catch
        {
            await manager.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The password every node requires (generated unless set in the options).</summary>
    public string Password { get; }

    /// <summary>The options the cluster was built with.</summary>
    public RedisClusterOptions Options => _options;

    /// <summary>The last 200 steps of operations, oldest first (for a dashboard that polls).</summary>
    public IReadOnlyList<ClusterOperationEvent> RecentEvents
    {
        get
        {
            lock (_recentEvents)
            {
                return [.. _recentEvents];
            }
        }
    }

    /// <summary>The steps of every operation, as they happen.</summary>
    public IObservable<ClusterOperationEvent> Events => _events;

    /// <summary>The client addresses (<c>127.0.0.1:port</c>) of the running nodes.</summary>
    public IReadOnlyList<string> Endpoints
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Values.Where(n => n.IsRunning).Select(n => Address(n.Port)).ToList();
            }
        }
    }

    /// <summary>
    /// A StackExchange.Redis-format connection string: <c>127.0.0.1:P1,127.0.0.1:P2,...,password=PASS</c> with the
    /// running nodes (the nodes about to be created before <see cref="CreateAsync"/> ran).
    /// </summary>
    public string ConnectionString
    {
        get
        {
            var endpoints = Endpoints;
            return string.Join(',', endpoints.Count > 0 ? endpoints : _initialPorts.Select(Address)) + ",password=" + Password;
        }
    }

    /// <summary>The last output lines of the node on <paramref name="port"/> (empty for an unknown port).</summary>
    public IReadOnlyList<string> GetNodeLog(int port)
    {
        lock (_lock)
        {
            return _nodes.TryGetValue(port, out var node) ? node.Log : [];
        }
    }

    /// <summary>
    /// Starts masters + replicas, runs <c>redis-cli --cluster create</c>, and waits until every node says
    /// <c>cluster_state:ok</c> and all agree on who owns which slot.
    /// </summary>
    public Task CreateAsync(CancellationToken cancellationToken = default) =>
        RunAsync("Create", async ct =>
        {
            lock (_lock)
            {
                if (_nodes.Count > 0)
                {
                    throw new InvalidOperationException("The cluster already exists; use ResetAsync to recreate it.");
                }
            }

            await CreateClusterAsync("Create", ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>A snapshot of every node: role, slots, keys, link state, process.</summary>
    public async Task<ClusterState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var view = await GetViewAsync(cancellationToken).ConfigureAwait(false);
        var ok = true;
        var nodes = new List<ClusterNodeState>();
        foreach (var line in view)
        {
            long? keys = null;
            int? pid;
            bool running;
            lock (_lock)
            {
                running = _nodes.TryGetValue(line.Port, out var process) && process.IsRunning;
                pid = running ? process!.ProcessId : null;
            }

            if (running)
            {
                try
                {
                    keys = (long?)await ExecuteAsync(line.Port, cancellationToken, "DBSIZE").ConfigureAwait(false);
                    var info = (string?)await ExecuteAsync(line.Port, cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false);
                    ok &= ReadInfo(info, "cluster_state") == "ok";
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or RespErrorException)
                {
                    ok = false;
                }
            }

            nodes.Add(new ClusterNodeState(
                line.Id,
                Address(line.Port),
                line.IsMaster ? ClusterNodeRole.Master : ClusterNodeRole.Replica,
                line.MasterId,
                line.Slots,
                line.SlotCount,
                keys,
                line.LinkState,
                pid,
                line.IsFailed));
        }

        var ordered = nodes
            .OrderBy(n => n.Role)
            .ThenBy(n => n.Slots.Count > 0 ? n.Slots[0].Start : int.MaxValue)
            .ThenBy(n => n.Port)
            .ToList();
        var covered = view.Where(n => n.IsMaster && !n.IsFailed).Sum(n => n.SlotCount);
        return new ClusterState(ok && covered == ClusterSlotPlanner.SlotCount, covered, ordered);
    }

    /// <summary>Stops every node (SIGTERM, then SIGKILL after 5 s) and deletes the temp folder it created.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await StopAllAsync().ConfigureAwait(false);
        _events.Complete();
        if (_ownsDataDirectory)
        {
            TryDeleteDirectory(_dataDirectory);
        }
    }

    private async Task<T> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _operationGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        try
        {
            Report(operation, "start", "started");
            var result = await body(cancellationToken).ConfigureAwait(false);
            Report(operation, "done", $"done in {watch.Elapsed.TotalSeconds:0.00} s");
            return result;
        }
        catch (Exception ex)
        {
            Report(operation, "failed", ex.Message, ex);
            throw;
        }
        finally
        {
            _operationGate.Release();
        }
    }

    private void Report(string operation, string step, string message, Exception? exception = null)
    {
        if (exception is null)
        {
            _logger.LogInformation("Redis Cluster {Operation} [{Step}] {Message}", operation, step, message);
        }
        else
        {
            _logger.LogError(exception, "Redis Cluster {Operation} [{Step}] {Message}", operation, step, message);
        }

        var item = new ClusterOperationEvent(operation, step, message, DateTimeOffset.UtcNow);
        lock (_recentEvents)
        {
            _recentEvents.Enqueue(item);
            while (_recentEvents.Count > 200)
            {
                _recentEvents.Dequeue();
            }
        }

        _events.Publish(item);
    }

    private async Task CreateClusterAsync(string operation, CancellationToken cancellationToken)
    {
        var ports = _initialPorts;
        var count = ports.Count;

        // Node folders of an earlier run (same state folder) would make a node load an old cluster and refuse to join.
        foreach (var folder in Directory.Exists(_dataDirectory) ? Directory.GetDirectories(_dataDirectory) : [])
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        Report(operation, "start-nodes", $"starting {count} redis-server processes on ports {string.Join(", ", ports)}");
        await Task.WhenAll(ports.Select(port => StartNodeAsync(port, cancellationToken))).ConfigureAwait(false);

        Report(operation, "create", $"redis-cli --cluster create with {_options.Masters} masters and {_options.ReplicasPerMaster} replica(s) each");
        var args = new List<string> { "-a", Password, "--no-auth-warning", "--cluster", "create" };
        args.AddRange(ports.Select(Address));
        args.AddRange(["--cluster-replicas", _options.ReplicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes"]);
        await RunRedisCliAsync(args, cancellationToken).ConfigureAwait(false);

        Report(operation, "wait", "waiting for cluster_state:ok on every node and one slot map");
        var view = await WaitForAgreementAsync(v => v.Count == count, "all nodes joined", cancellationToken).ConfigureAwait(false);

        // Ready means a failover can happen: every replica has finished its first sync.
        Report(operation, "sync", "waiting for every replica to finish its first sync");
        foreach (var replica in view.Where(n => !n.IsMaster))
        {
            await WaitForReplicationLinkAsync(replica.Port, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ClusterNodeProcess> StartNodeAsync(int port, CancellationToken cancellationToken)
    {
        ClusterNodeProcess? node;
        lock (_lock)
        {
            if (!_nodes.TryGetValue(port, out node))
            {
                node = new ClusterNodeProcess(port, ClusterPorts.Next(), Path.Combine(_dataDirectory, port.ToString(CultureInfo.InvariantCulture)), _options.LogLinesPerNode);
                _nodes[port] = node;
            }
        }

        DropConnection(port);
        node.Start(_options, Password);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await ExecuteAsync(port, cancellationToken, "PING").ConfigureAwait(false);
                return node;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or RespErrorException)
            {
                DropConnection(port);
                if (!node.IsRunning || deadline.Elapsed > TimeSpan.FromSeconds(15))
                {
                    throw new InvalidOperationException(
                        $"redis-server on port {port} did not start: {ex.Message}. Its last output:{Environment.NewLine}{string.Join(Environment.NewLine, node.Log.TakeLast(20))}", ex);
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunRedisCliAsync(IReadOnlyList<string> args, CancellationToken cancellationToken, bool failOnErrorLines = true)
    {
        var startInfo = new ProcessStartInfo(_options.RedisCliPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"'{_options.RedisCliPath}' did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.OperationTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await output.ConfigureAwait(false) + await error.ConfigureAwait(false);
        if (process.ExitCode != 0 || (failOnErrorLines && text.Contains("[ERR]", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args.Skip(3))} failed (exit code {process.ExitCode}):{Environment.NewLine}{text}");
        }
    }

    private async Task<object?> ExecuteAsync(int port, CancellationToken cancellationToken, params string[] args)
    {
        var connection = await GetConnectionAsync(port, cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.ExecuteAsync(cancellationToken, args).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A reply may be half read: the connection cannot be reused.
            DropConnection(port, connection);
            throw;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            DropConnection(port, connection);
            throw new IOException($"Redis node 127.0.0.1:{port} did not answer {args[0]}: {ex.Message}", ex);
        }
    }

    private async Task<RespConnection> GetConnectionAsync(int port, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_connections.TryGetValue(port, out var existing))
            {
                return existing;
            }
        }

        var connection = await RespConnection.ConnectAsync("127.0.0.1", port, Password, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (_connections.TryGetValue(port, out var raced))
            {
                _ = connection.DisposeAsync();
                return raced;
            }

            _connections[port] = connection;
            return connection;
        }
    }

    private void DropConnection(int port, RespConnection? only = null)
    {
        RespConnection? connection;
        lock (_lock)
        {
            if (!_connections.TryGetValue(port, out connection) || (only is not null && !ReferenceEquals(connection, only)))
            {
                return;
            }

            _connections.Remove(port);
        }

        _ = connection.DisposeAsync();
    }

    private List<int> RunningPorts()
    {
        lock (_lock)
        {
            return _nodes.Values.Where(n => n.IsRunning).Select(n => n.Port).Order().ToList();
        }
    }

    /// <summary>The cluster as the first running node that answers sees it.</summary>
    private async Task<IReadOnlyList<ClusterNodeLine>> GetViewAsync(CancellationToken cancellationToken)
    {
        Exception? last = null;
        foreach (var port in RunningPorts())
        {
            try
            {
                return await GetViewOfAsync(port, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or RespErrorException)
            {
                last = ex;
            }
        }

        throw new InvalidOperationException("No node of the cluster answers; create it first (CreateAsync or ResetAsync).", last);
    }

    private async Task<IReadOnlyList<ClusterNodeLine>> GetViewOfAsync(int port, CancellationToken cancellationToken)
    {
        var text = (string?)await ExecuteAsync(port, cancellationToken, "CLUSTER", "NODES").ConfigureAwait(false);
        return ClusterNodeLine.ParseAll(text ?? string.Empty);
    }

    /// <summary>
    /// Waits until every running node says <c>cluster_state:ok</c>, no slot is half-migrated, every node sees the
    /// same nodes with the same roles and slot owners, and <paramref name="condition"/> holds for that view.
    /// </summary>
    private async Task<IReadOnlyList<ClusterNodeLine>> WaitForAgreementAsync(
        Func<IReadOnlyList<ClusterNodeLine>, bool> condition, string what, CancellationToken cancellationToken, bool requireOk = true)
    {
        var watch = Stopwatch.StartNew();
        var problem = "no answer yet";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (view, disagreement) = await TryAgreementAsync(requireOk, cancellationToken).ConfigureAwait(false);
            if (view is not null)
            {
                if (condition(view))
                {
                    return view;
                }

                disagreement = $"the nodes agree but not yet on '{what}'";
            }

            problem = disagreement ?? problem;
            if (watch.Elapsed > _options.OperationTimeout)
            {
                throw new TimeoutException($"The cluster did not settle within {_options.OperationTimeout.TotalSeconds:0} s: {problem}.");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(IReadOnlyList<ClusterNodeLine>? View, string? Problem)> TryAgreementAsync(bool requireOk, CancellationToken cancellationToken)
    {
        string? signature = null;
        IReadOnlyList<ClusterNodeLine>? first = null;
        foreach (var port in RunningPorts())
        {
            IReadOnlyList<ClusterNodeLine> view;
            try
            {
                if (requireOk)
                {
                    var info = (string?)await ExecuteAsync(port, cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false);
                    if (ReadInfo(info, "cluster_state") != "ok")
                    {
                        return (null, $"127.0.0.1:{port} reports cluster_state:{ReadInfo(info, "cluster_state")}");
                    }
                }

                view = await GetViewOfAsync(port, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or RespErrorException)
            {
                return (null, ex.Message);
            }

            if (view.Any(n => n.HasOpenSlots || n.IsHandshake))
            {
                return (null, $"127.0.0.1:{port} still has a slot migrating or a node in handshake");
            }

            var mine = Signature(view);
            if (signature is null)
            {
                signature = mine;
                first = view;
            }
            else if (signature != mine)
            {
                return (null, $"127.0.0.1:{port} sees a different slot map or roles than 127.0.0.1:{first![0].Port}");
            }
        }

        return (first, first is null ? "no node is running" : null);
    }

    private static string Signature(IReadOnlyList<ClusterNodeLine> view) =>
        string.Join('\n', view
            .Select(n => $"{n.Id} {(n.IsMaster ? "master" : "replica")} {n.MasterId} {string.Join(',', n.Slots)}")
            .Order(StringComparer.Ordinal));

    private static string? ReadInfo(string? info, string field)
    {
        foreach (var line in (info ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return line[(field.Length + 1)..];
            }
        }

        return null;
    }

    private static string Address(int port) => "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);

    private async Task StopAllAsync()
    {
        List<ClusterNodeProcess> nodes;
        List<RespConnection> connections;
        lock (_lock)
        {
            nodes = [.. _nodes.Values];
            connections = [.. _connections.Values];
            _nodes.Clear();
            _connections.Clear();
        }

        foreach (var connection in connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // Last resort when the host exits without disposing: never leave redis-server processes behind.
        List<ClusterNodeProcess> nodes;
        lock (_lock)
        {
            nodes = [.. _nodes.Values];
        }

        foreach (var node in nodes)
        {
            node.KillAsync().Wait(TimeSpan.FromSeconds(2));
        }

        if (_ownsDataDirectory)
        {
            TryDeleteDirectory(_dataDirectory);
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A node that has not fully exited may still hold a file; the temp folder is cleaned by the OS later.
        }
    }
}
