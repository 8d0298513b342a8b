using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Runs the Redis Clusters of the app model: creates one when it is started, and turns every chore of running it
/// (add a master and rebalance, add a replica, remove a node with its data, fail over, restart a node, reset) into
/// one call that is safe while clients keep reading and writing. DCP runs the node processes; this class starts
/// and stops them through <see cref="ResourceCommandService"/> and talks to them with StackExchange.Redis. The
/// same methods serve the dashboard commands, the HTTP API (<c>MapRedisClusterApi</c>) and the tests. One
/// operation at a time per cluster: a second one is refused at once with <see cref="InvalidOperationException"/>.
/// </summary>
public sealed partial class RedisClusterOperations : IAsyncDisposable
{
    private const int MaxRecentEvents = 200;
    private const string OperationsClientName = "aspire-cluster-operations";
    private readonly DistributedApplicationModel _model;
    private readonly ResourceNotificationService _notifications;
    private readonly ResourceLoggerService _resourceLoggers;
    private readonly IServiceProvider _services;
    private readonly ILogger<RedisClusterOperations> _logger;
    private readonly ConcurrentDictionary<string, RedisClusterRuntime> _runtimes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _nodeStates = new(StringComparer.Ordinal);

    /// <summary>Nodes a start is waiting for, and whether the watch has seen them alive (Starting, Running) since that start began.</summary>
    private readonly ConcurrentDictionary<string, bool> _startingNodes = new(StringComparer.Ordinal);

    /// <summary>The states as the watch saw them, in order (<see cref="_nodeStates"/> is also written by the operations).</summary>
    private readonly ConcurrentDictionary<string, string> _seenStates = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposing = new();
    private Task _watching = Task.CompletedTask;
    private int _attached;

    /// <summary>Created by DI (a singleton added by <c>AddRedisCluster</c>); resolve it from the app's services.</summary>
    public RedisClusterOperations(
        DistributedApplicationModel model,
        ResourceNotificationService notifications,
        ResourceLoggerService resourceLoggers,
        IServiceProvider services,
        ILogger<RedisClusterOperations> logger)
    {
        _model = model;
        _notifications = notifications;
        _resourceLoggers = resourceLoggers;
        _services = services;
        _logger = logger;
    }

    /// <summary>The clusters of the app model, by name.</summary>
    public IReadOnlyList<string> ClusterNames => [.. _model.Resources.OfType<RedisClusterResource>().Select(r => r.Name)];

    /// <summary>
    /// Starts the cluster: starts its initial nodes, creates the cluster (<c>redis-cli --cluster create</c>) and
    /// waits until every node agrees and every replica has synced. Returns at once when it runs already; a start
    /// in progress is awaited, not repeated. The cluster's Start command calls this.
    /// </summary>
    public Task StartAsync(string clusterName, CancellationToken cancellationToken = default)
    {
        var runtime = Runtime(clusterName);
        lock (runtime.Lock)
        {
            if (runtime.State == KnownResourceStates.Running)
            {
                return Task.CompletedTask;
            }

            if (runtime.Starting is null || runtime.Starting.IsCompleted)
            {
                // Not tied to the caller's token: a start half done by a cancelled caller would leave nodes running
                // and no cluster; it runs to its end (or the app's stop) and the caller merely stops waiting.
                runtime.Starting = Task.Run(() => RunAsync(runtime, "Create", async ct =>
                {
                    await PublishStateAsync(runtime, KnownResourceStates.Starting).ConfigureAwait(false);
                    try
                    {
                        await CreateClusterAsync(runtime, "Create", ct).ConfigureAwait(false);
                    }
                    catch
                    {
                        await PublishStateAsync(runtime, KnownResourceStates.FailedToStart).ConfigureAwait(false);
                        throw;
                    }

                    await PublishStateAsync(runtime, KnownResourceStates.Running).ConfigureAwait(false);
                    return true;
                }, _disposing.Token, requireRunning: false));
            }

            return runtime.Starting.WaitAsync(cancellationToken);
        }
    }

    /// <summary>A snapshot of every node: role, slots, keys, link state, process id.</summary>
    public async Task<ClusterState> GetStateAsync(string clusterName, CancellationToken cancellationToken = default)
    {
        var runtime = Runtime(clusterName);
        EnsureRunning(runtime);
        var view = await GetViewAsync(runtime, cancellationToken).ConfigureAwait(false);
        var ok = true;
        var nodes = new List<ClusterNodeState>();
        foreach (var line in view)
        {
            long? keys = null;
            int? pid = null;
            if (!line.IsFailed && IsRunning(runtime, line.Port))
            {
                try
                {
                    keys = (long)await ExecuteAsync(runtime, line.Port, cancellationToken, "DBSIZE").ConfigureAwait(false);
                    var info = (string?)await ExecuteAsync(runtime, line.Port, cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false);
                    ok &= ReadInfo(info, "cluster_state") == "ok";
                    var server = (string?)await ExecuteAsync(runtime, line.Port, cancellationToken, "INFO", "server").ConfigureAwait(false);
                    pid = int.TryParse(ReadInfo(server, "process_id"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
                }
                catch (Exception ex) when (IsNodeError(ex))
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

    /// <summary>The last 200 steps of operations on the cluster, oldest first.</summary>
    public IReadOnlyList<ClusterOperationEvent> GetRecentEvents(string clusterName)
    {
        var runtime = Runtime(clusterName);
        lock (runtime.RecentEvents)
        {
            return [.. runtime.RecentEvents];
        }
    }

    /// <summary>Calls <paramref name="onEvent"/> for every step of every operation on the cluster until the result is disposed.</summary>
    public IDisposable Subscribe(string clusterName, Action<ClusterOperationEvent> onEvent)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        var runtime = Runtime(clusterName);
        runtime.Reported += onEvent;
        return new Unsubscriber(() => runtime.Reported -= onEvent);
    }

    /// <summary>Null when healthy; otherwise why not (the health check's description).</summary>
    internal async Task<string?> CheckHealthAsync(string clusterName, CancellationToken cancellationToken)
    {
        var runtime = Runtime(clusterName);
        if (runtime.State != KnownResourceStates.Running)
        {
            return $"The cluster is {runtime.State}.";
        }

        foreach (var port in RunningPorts(runtime))
        {
            try
            {
                var info = (string?)await ExecuteAsync(runtime, port, cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false);
                var state = ReadInfo(info, "cluster_state");
                var slotsOk = ReadInfo(info, "cluster_slots_ok");
                return state == "ok" && slotsOk == ClusterSlotPlanner.SlotCount.ToString(CultureInfo.InvariantCulture)
                    ? null
                    : $"{Address(port)} reports cluster_state:{state}, cluster_slots_ok:{slotsOk}.";
            }
            catch (Exception ex) when (IsNodeError(ex))
            {
                // Try the next node: one node down is the cluster's business, not the health check's.
            }
        }

        return "No node of the cluster answers.";
    }

    /// <summary>Starts following the nodes' states (called once, before the app starts).</summary>
    internal void Attach()
    {
        if (Interlocked.Exchange(ref _attached, 1) == 0)
        {
            _watching = Task.Run(() => WatchNodesAsync(_disposing.Token));
        }
    }

    /// <summary>Starts the cluster without waiting (a cluster without explicit start, at app start); a failure is in its log.</summary>
    internal void StartInBackground(string clusterName) =>
        _ = StartAsync(clusterName).ContinueWith(
            t => _logger.LogError(t.Exception, "Redis Cluster {Name} did not start.", clusterName),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);

    /// <summary>Closes the connections to the nodes (DCP stops the nodes themselves).</summary>
    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        try
        {
            await _watching.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await Task.WhenAll(_heals.Values).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var runtime in _runtimes.Values)
        {
            foreach (var port in runtime.Resource.Nodes.Select(n => n.Port))
            {
                DropConnection(runtime, port);
            }
        }

        _disposing.Dispose();
    }

    private async Task WatchNodesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in _notifications.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                if (e.Resource is RedisClusterNodeResource node && e.Snapshot.State?.Text is { } state)
                {
                    // Before the state is stored: a start in progress learns of its node's end only from the stored
                    // state, so by then this has already seen that the death was that start's business.
                    OnNodeState(node, _seenStates.TryGetValue(node.Name, out var previous) ? previous : null, state, e.Snapshot.ExitCode);
                    if (!IsTerminal(state) && state != KnownResourceStates.NotStarted)
                    {
                        _startingNodes.TryUpdate(node.Name, true, false);
                    }

                    _seenStates[node.Name] = state;
                    _nodeStates[node.Name] = state;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private RedisClusterRuntime Runtime(string clusterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterName);
        if (_runtimes.TryGetValue(clusterName, out var runtime))
        {
            return runtime;
        }

        var resource = _model.Resources.OfType<RedisClusterResource>().FirstOrDefault(r => r.Name == clusterName)
            ?? throw new KeyNotFoundException($"There is no Redis Cluster named '{clusterName}'; the app model has {(ClusterNames.Count == 0 ? "none" : string.Join(", ", ClusterNames))}.");
        return _runtimes.GetOrAdd(clusterName, _ => new RedisClusterRuntime(resource));
    }

    private static void EnsureRunning(RedisClusterRuntime runtime)
    {
        if (runtime.State != KnownResourceStates.Running)
        {
            throw new InvalidOperationException(
                $"The Redis Cluster '{runtime.Resource.Name}' is {runtime.State}, not Running; start it first (its Start command, or RedisClusterOperations.StartAsync).");
        }
    }

    private async Task<T> RunAsync<T>(
        RedisClusterRuntime runtime, string operation, Func<CancellationToken, Task<T>> body, CancellationToken cancellationToken, bool requireRunning = true, bool waitForGate = false)
    {
        if (requireRunning)
        {
            EnsureRunning(runtime);
        }

        // A person's operation is refused at once while another runs; healing (waitForGate) queues behind it, which
        // is how it follows "Kill master": that operation holds the gate until the cluster has failed over.
        if (waitForGate)
        {
            await runtime.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (!runtime.Gate.Wait(0, CancellationToken.None))
        {
            throw new InvalidOperationException(
                $"The Redis Cluster '{runtime.Resource.Name}' is busy with {runtime.CurrentOperation}; one operation runs at a time, try again when it is done.");
        }

        runtime.CurrentOperation = operation;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var watch = Stopwatch.StartNew();
        try
        {
            if (requireRunning)
            {
                // Checked again inside the gate: a reset may have been running when the first check passed.
                EnsureRunning(runtime);
            }

            runtime.Password ??= await runtime.Resource.PasswordParameter.GetValueAsync(linked.Token).ConfigureAwait(false);
            Report(runtime, operation, "start", "started");
            var result = await body(linked.Token).ConfigureAwait(false);
            Report(runtime, operation, "done", $"done in {watch.Elapsed.TotalSeconds:0.00} s");
            return result;
        }
        catch (Exception ex)
        {
            Report(runtime, operation, "failed", ex.Message, ex);
            throw;
        }
        finally
        {
            runtime.CurrentOperation = null;
            runtime.Gate.Release();
            _ = PublishPropertiesAsync(runtime);
        }
    }

    private void Report(RedisClusterRuntime runtime, string operation, string step, string message, Exception? exception = null)
    {
        // The cluster's console log in the dashboard: every step of every operation, whoever started it.
        var log = _resourceLoggers.GetLogger(runtime.Resource);
        if (exception is null)
        {
            log.LogInformation("{Operation} [{Step}] {Message}", operation, step, message);
        }
        else
        {
            log.LogError("{Operation} [{Step}] {Message}", operation, step, message);
        }

        var item = new ClusterOperationEvent(operation, step, message, DateTimeOffset.UtcNow);
        lock (runtime.RecentEvents)
        {
            runtime.RecentEvents.Enqueue(item);
            while (runtime.RecentEvents.Count > MaxRecentEvents)
            {
                runtime.RecentEvents.Dequeue();
            }
        }

        runtime.Raise(item);
    }

    private Task PublishStateAsync(RedisClusterRuntime runtime, string state)
    {
        runtime.State = state;
        return _notifications.PublishUpdateAsync(runtime.Resource, s => s with
        {
            State = new ResourceStateSnapshot(state, state switch
            {
                _ when state == KnownResourceStates.Running => KnownResourceStateStyles.Success,
                _ when state == KnownResourceStates.FailedToStart => KnownResourceStateStyles.Error,
                _ => KnownResourceStateStyles.Info,
            }),
            StartTimeStamp = state == KnownResourceStates.Starting ? DateTime.UtcNow : s.StartTimeStamp,
        });
    }

    /// <summary>Masters, replicas and slots in the dashboard's property grid after every operation.</summary>
    private async Task PublishPropertiesAsync(RedisClusterRuntime runtime)
    {
        try
        {
            if (runtime.State != KnownResourceStates.Running)
            {
                return;
            }

            var view = await GetViewAsync(runtime, _disposing.Token).ConfigureAwait(false);
            var masters = view.Where(n => n.IsMaster && !n.IsFailed).ToList();
            await _notifications.PublishUpdateAsync(runtime.Resource, s => s with
            {
                Properties = s.Properties
                    .Where(p => !p.Name.StartsWith("redis.cluster.", StringComparison.Ordinal))
                    .Concat(
                    [
                        new ResourcePropertySnapshot("redis.cluster.masters", string.Join(", ", masters.Select(m => $"{Address(m.Port)} ({m.SlotCount} slots)"))),
                        new ResourcePropertySnapshot("redis.cluster.replicas", view.Count(n => !n.IsMaster && !n.IsFailed)),
                        new ResourcePropertySnapshot("redis.cluster.failed", view.Count(n => n.IsFailed)),
                    ])
                    .ToImmutableArray(),
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsNodeError(ex) || ex is OperationCanceledException or InvalidOperationException)
        {
            // Only decoration: the next operation publishes again.
        }
    }

    private async Task CreateClusterAsync(RedisClusterRuntime runtime, string operation, CancellationToken cancellationToken)
    {
        var initial = runtime.Resource.Nodes.Take(runtime.Resource.InitialNodeCount).ToList();

        lock (runtime.Lock)
        {
            runtime.SetAside.Clear();
        }

        // Node files of an earlier run (same data folder) would make a node load an old cluster and refuse to join.
        foreach (var node in runtime.Resource.Nodes)
        {
            DeleteNodeFiles(node);
        }

        Report(runtime, operation, "start-nodes", $"starting {initial.Count} nodes: {string.Join(", ", initial.Select(n => $"{n.Name} ({n.Address})"))}");
        await Task.WhenAll(initial.Select(n => StartNodeAsync(runtime, n, cancellationToken))).ConfigureAwait(false);

        Report(runtime, operation, "create", $"redis-cli --cluster create with {runtime.Resource.Masters} masters and {runtime.Resource.ReplicasPerMaster} replica(s) each");
        var args = new List<string> { "--cluster", "create" };
        args.AddRange(initial.Select(n => n.Address));
        args.AddRange(["--cluster-replicas", runtime.Resource.ReplicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes"]);
        await RunRedisCliAsync(runtime, args, cancellationToken).ConfigureAwait(false);

        Report(runtime, operation, "wait", "waiting for cluster_state:ok on every node and one slot map");
        var view = await WaitForAgreementAsync(runtime, v => v.Count == initial.Count, "all nodes joined", cancellationToken).ConfigureAwait(false);

        // Ready means a failover can happen: every replica has finished its first sync.
        Report(runtime, operation, "sync", "waiting for every replica to finish its first sync");
        foreach (var replica in view.Where(n => !n.IsMaster))
        {
            await WaitForReplicationLinkAsync(runtime, replica.Port, cancellationToken).ConfigureAwait(false);
        }

        Report(runtime, operation, "ready", $"{view.Count(n => n.IsMaster)} masters, {view.Count(n => !n.IsMaster)} replicas, all 16384 slots covered");
    }

    /// <summary>
    /// Gives a node a fresh start: deletes everything in its folder but the config. nodes.conf is its identity (a
    /// node that kept it would rejoin as itself), and a dump.rdb left by a full sync it once received as a replica
    /// would come back as keys ("node is not empty" to redis-cli --cluster create).
    /// </summary>
    private static void DeleteNodeFiles(RedisClusterNodeResource node)
    {
        if (!Directory.Exists(node.Folder))
        {
            return;
        }

        foreach (var file in Directory.GetFiles(node.Folder))
        {
            if (Path.GetFileName(file) != "redis.conf")
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Starts a node through DCP (its explicit start) and waits until it answers an authenticated PING.</summary>
    private async Task StartNodeAsync(RedisClusterRuntime runtime, RedisClusterNodeResource node, CancellationToken cancellationToken)
    {
        if (!Path.IsPathRooted(node.Command))
        {
            // Said here, in the operation's answer, not only in the node's console log.
            throw new InvalidOperationException(LocalBinaries.NotInstalled("redis-server", "redis-server"));
        }

        DropConnection(runtime, node.Port);
        var commands = _services.GetService(typeof(ResourceCommandService)) as ResourceCommandService
            ?? throw new InvalidOperationException("ResourceCommandService is not available: the cluster's nodes can only be started in a running Aspire app.");

        // While it starts, its death is this call's failure, not a case for healing; and its last state (Finished,
        // from before) must not read as "died again".
        _startingNodes[node.Name] = false;
        _nodeStates[node.Name] = KnownResourceStates.Starting;
        try
        {
            var result = await commands.ExecuteCommandAsync(node, KnownResourceCommands.StartCommand, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                throw new InvalidOperationException($"DCP did not start {node.Name} ({node.Address}): {result.Message}");
            }

            await WaitForPingAsync(runtime, node, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _startingNodes.TryRemove(node.Name, out _);
        }
    }

    private async Task WaitForPingAsync(RedisClusterRuntime runtime, RedisClusterNodeResource node, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(runtime.Resource.OperationTimeout);
        Exception? last = null;
        try
        {
            while (true)
            {
                try
                {
                    await ExecuteAsync(runtime, node.Port, timeout.Token, "PING").ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (IsNodeError(ex))
                {
                    last = ex;
                    DropConnection(runtime, node.Port);
                }

                // An end counts once the watch has seen this start's node alive: the end of the stop before it (a
                // reset stops, then starts) may reach the watch after this start began.
                if (NodeState(node) is { } state
                    && (state == KnownResourceStates.FailedToStart || (IsTerminal(state) && _startingNodes.TryGetValue(node.Name, out var alive) && alive)))
                {
                    throw new InvalidOperationException($"{node.Name} ({node.Address}) ended while starting ({state}); its console log says why.", last);
                }

                // The node binds its port a few ms after DCP started it; there is no event for that, so ask again.
                await Task.Delay(100, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{node.Name} ({node.Address}) did not answer PING within {runtime.Resource.OperationTimeout.TotalSeconds:0} s (state {NodeState(node)}): {last?.Message}; its console log says why.", last);
        }
    }

    /// <summary>Stops a node through DCP and waits until DCP says it ended.</summary>
    private async Task StopNodeAsync(RedisClusterRuntime runtime, RedisClusterNodeResource node, CancellationToken cancellationToken)
    {
        DropConnection(runtime, node.Port);
        if (NodeState(node) is not { } state || IsTerminal(state) || state == KnownResourceStates.NotStarted)
        {
            return;
        }

        var commands = (ResourceCommandService)_services.GetService(typeof(ResourceCommandService))!;
        var result = await commands.ExecuteCommandAsync(node, KnownResourceCommands.StopCommand, cancellationToken).ConfigureAwait(false);
        if (!result.Success)
        {
            throw new InvalidOperationException($"DCP did not stop {node.Name} ({node.Address}): {result.Message}");
        }

        await WaitForNodeEndedAsync(runtime, node, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitForNodeEndedAsync(RedisClusterRuntime runtime, RedisClusterNodeResource node, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(runtime.Resource.OperationTimeout);
        await _notifications.WaitForResourceAsync(node.Name, e => e.Snapshot.State?.Text is { } s && KnownResourceStates.TerminalStates.Contains(s), timeout.Token).ConfigureAwait(false);
        _nodeStates[node.Name] = KnownResourceStates.Exited;
    }

    private string? NodeState(RedisClusterNodeResource node) => _nodeStates.TryGetValue(node.Name, out var state) ? state : null;

    private bool IsRunning(RedisClusterNodeResource node) => NodeState(node) == KnownResourceStates.Running;

    private static bool IsTerminal(string state) =>
        KnownResourceStates.TerminalStates.Contains(state) || state == KnownResourceStates.FailedToStart;

    private bool IsRunning(RedisClusterRuntime runtime, int port) =>
        runtime.Resource.Nodes.FirstOrDefault(n => n.Port == port) is { } node && IsRunning(node);

    private List<int> RunningPorts(RedisClusterRuntime runtime) =>
        [.. runtime.Resource.Nodes.Where(IsRunning).Select(n => n.Port)];

    private async Task RunRedisCliAsync(RedisClusterRuntime runtime, IReadOnlyList<string> args, CancellationToken cancellationToken, bool failOnErrorLines = true)
    {
        var cli = LocalBinaries.Find("redis-cli") ?? throw new DistributedApplicationException(LocalBinaries.NotInstalled("redis-cli", "redis-tools (it comes with redis-server)"));
        var startInfo = new ProcessStartInfo(cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The password through the environment, not -a: a command line is visible to every local user.
        startInfo.Environment["REDISCLI_AUTH"] = runtime.Password;
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"'{cli}' did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(runtime.Resource.OperationTimeout);
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
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} failed (exit code {process.ExitCode}):{Environment.NewLine}{text}");
        }
    }

    private async Task<RedisResult> ExecuteAsync(RedisClusterRuntime runtime, int port, CancellationToken cancellationToken, string command, params object[] args)
    {
        var server = await GetServerAsync(runtime, port, cancellationToken).ConfigureAwait(false);
        try
        {
            return await server.ExecuteAsync(command, args).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            DropConnection(runtime, port);
            throw;
        }
    }

    private async Task<IServer> GetServerAsync(RedisClusterRuntime runtime, int port, CancellationToken cancellationToken)
    {
        lock (runtime.Lock)
        {
            if (runtime.Connections.TryGetValue(port, out var existing))
            {
                return existing.GetServer("127.0.0.1", port);
            }
        }

        var options = new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", port } },
            Password = runtime.Password,
            AllowAdmin = true,
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ConnectTimeout = 2000,
            AsyncTimeout = (int)runtime.Resource.OperationTimeout.TotalMilliseconds,
            SyncTimeout = (int)runtime.Resource.OperationTimeout.TotalMilliseconds,
            ClientName = OperationsClientName,

            // No pub/sub connection per node: these connections only run admin commands.
            ConfigurationChannel = string.Empty,
            TieBreaker = string.Empty,
        };
        var connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (runtime.Lock)
        {
            if (runtime.Connections.TryGetValue(port, out var raced))
            {
                connection.Dispose();
                return raced.GetServer("127.0.0.1", port);
            }

            runtime.Connections[port] = connection;
            return connection.GetServer("127.0.0.1", port);
        }
    }

    private static void DropConnection(RedisClusterRuntime runtime, int port)
    {
        ConnectionMultiplexer? connection;
        lock (runtime.Lock)
        {
            if (!runtime.Connections.Remove(port, out connection))
            {
                return;
            }
        }

        connection.Dispose();
    }

    private static bool IsNodeError(Exception ex) =>
        ex is RedisConnectionException or RedisTimeoutException or RedisServerException or ObjectDisposedException or IOException;

    /// <summary>The cluster as the first running node that answers sees it.</summary>
    private async Task<IReadOnlyList<ClusterNodeLine>> GetViewAsync(RedisClusterRuntime runtime, CancellationToken cancellationToken)
    {
        Exception? last = null;
        foreach (var port in RunningPorts(runtime))
        {
            try
            {
                return await GetViewOfAsync(runtime, port, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsNodeError(ex))
            {
                last = ex;
            }
        }

        throw new InvalidOperationException($"No node of the Redis Cluster '{runtime.Resource.Name}' answers; reset it (ResetAsync).", last);
    }

    private async Task<IReadOnlyList<ClusterNodeLine>> GetViewOfAsync(RedisClusterRuntime runtime, int port, CancellationToken cancellationToken)
    {
        var text = (string?)await ExecuteAsync(runtime, port, cancellationToken, "CLUSTER", "NODES").ConfigureAwait(false);
        var view = ClusterNodeLine.ParseAll(text ?? string.Empty);
        // Nodes that announce another port (WithAnnouncedPorts) are still operated on their own.
        if (runtime.Resource.TryGetLastAnnotation<RedisClusterAnnouncedPortsAnnotation>(out var announced))
        {
            var real = runtime.Resource.Nodes.ToDictionary(announced.PortOf, n => n.Port);
            view = [.. view.Select(line => real.TryGetValue(line.Port, out var own) ? line with { Port = own } : line)];
        }

        return view;
    }

    /// <summary>
    /// Waits until every running node says <c>cluster_state:ok</c>, no slot is half-migrated, every node sees the
    /// same nodes with the same roles and slot owners, and <paramref name="condition"/> holds for that view.
    /// </summary>
    private async Task<IReadOnlyList<ClusterNodeLine>> WaitForAgreementAsync(
        RedisClusterRuntime runtime, Func<IReadOnlyList<ClusterNodeLine>, bool> condition, string what, CancellationToken cancellationToken, bool requireOk = true, TimeSpan? timeout = null)
    {
        var limit = timeout ?? runtime.Resource.OperationTimeout;
        var watch = Stopwatch.StartNew();
        var problem = "no answer yet";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (view, disagreement) = await TryAgreementAsync(runtime, requireOk, cancellationToken).ConfigureAwait(false);
            if (view is not null)
            {
                if (condition(view))
                {
                    return view;
                }

                disagreement = $"the nodes agree but not yet on '{what}'";
            }

            problem = disagreement ?? problem;
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"The cluster did not settle within {limit.TotalSeconds:0} s: {problem}.");
            }

            // Gossip spreads in ~100 ms steps; there is no event to wait on, only the nodes to ask again.
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(IReadOnlyList<ClusterNodeLine>? View, string? Problem)> TryAgreementAsync(RedisClusterRuntime runtime, bool requireOk, CancellationToken cancellationToken)
    {
        string? signature = null;
        IReadOnlyList<ClusterNodeLine>? first = null;
        var firstPort = 0;
        foreach (var port in RunningPorts(runtime))
        {
            IReadOnlyList<ClusterNodeLine> view;
            try
            {
                if (requireOk)
                {
                    var info = (string?)await ExecuteAsync(runtime, port, cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false);
                    if (ReadInfo(info, "cluster_state") != "ok")
                    {
                        return (null, $"{Address(port)} reports cluster_state:{ReadInfo(info, "cluster_state")}");
                    }
                }

                view = await GetViewOfAsync(runtime, port, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsNodeError(ex))
            {
                return (null, ex.Message);
            }

            if (view.Any(n => n.HasOpenSlots || (n.IsHandshake && IsRunning(runtime, n.Port))))
            {
                return (null, $"{Address(port)} still has a slot migrating or a node in handshake");
            }

            // Agreement among the running nodes on the running nodes: a node that joined while another is down
            // learns of it only by gossip, which carries no master id, so their views of a dead node differ for good.
            var mine = Signature([.. view.Where(n => IsRunning(runtime, n.Port))]);
            if (signature is null)
            {
                signature = mine;
                first = view;
                firstPort = port;
            }
            else if (signature != mine)
            {
                return (null, $"{Address(port)} sees a different slot map or roles than {Address(firstPort)}");
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

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
