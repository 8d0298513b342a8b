using Hosting.ApplicationModel;
using Hosting.Processes;

namespace Hosting.Cluster;

/// <summary>
/// The part of the run loop that owns a <see cref="RedisClusterResource"/>: creates the cluster when the app
/// starts, publishes one dashboard entry per node (role, slots, keys, pid) after every operation and every few
/// seconds, records pid files so a killed AppHost's nodes are ended on the next start, and stops every node.
/// </summary>
internal sealed class RedisClusterProcessor(RedisClusterResource resource) : IDistributedApplicationProcessor
{
    private static readonly TimeSpan s_refreshPeriod = TimeSpan.FromSeconds(2);
    private readonly Dictionary<int, int> _replicaOfPort = [];
    private readonly Dictionary<int, int> _pidOfReplica = [];
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private DistributedApplication? _app;
    private PidFileStore? _pidFiles;
    private IDisposable? _subscription;
    private Task _background = Task.CompletedTask;
    private bool _creating;

    public Task StartAsync(DistributedApplication application, CancellationToken cancellationToken)
    {
        _app = application;
        _pidFiles = new PidFileStore(application.Options.StateDirectory);
        var manager = new RedisClusterManager(resource.Options);
        resource.Manager = manager;
        _subscription = manager.Events.Subscribe(new EventObserver(this));
        if (resource.TryGetLastAnnotation<ExplicitStartAnnotation>(out _))
        {
            foreach (var endpoint in manager.Endpoints.Count > 0 ? manager.Endpoints : EndpointsOf(manager.ConnectionString))
            {
                Publish(ReplicaOf(PortOf(endpoint)), ResourceState.Stopped, null, endpoint, "not started: it starts on request (explicit start)");
            }

            return Task.CompletedTask;
        }

        _ = StartCreating();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Creates the cluster in the background (once); the nodes turn healthy when every node agrees. False when it
    /// was created already.
    /// </summary>
    internal bool StartCreating()
    {
        lock (_replicaOfPort)
        {
            if (_creating || resource.Manager is not { } manager)
            {
                return false;
            }

            _creating = true;
            foreach (var endpoint in manager.Endpoints.Count > 0 ? manager.Endpoints : EndpointsOf(manager.ConnectionString))
            {
                Publish(ReplicaOf(PortOf(endpoint)), ResourceState.Starting, null, endpoint, "creating the cluster");
            }

            // Created in the background so the other resources start meanwhile; WaitFor(cluster) waits for it.
            _background = Task.Run(() => CreateAndWatchAsync(manager, _stopping.Token), CancellationToken.None);
            return true;
        }
    }

    public async Task StopAsync(DistributedApplication application, CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _background.ConfigureAwait(false);
        _subscription?.Dispose();
        if (resource.Manager is { } manager)
        {
            await manager.DisposeAsync().ConfigureAwait(false);
        }

        lock (_replicaOfPort)
        {
            foreach (var (port, replica) in _replicaOfPort)
            {
                Publish(replica, ResourceState.Stopped, null, $"127.0.0.1:{port}", "stopped");
                _pidFiles?.Delete(InstanceId(replica));
            }
        }
    }

    private async Task CreateAndWatchAsync(RedisClusterManager manager, CancellationToken cancellationToken)
    {
        try
        {
            await manager.CreateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            lock (_replicaOfPort)
            {
                foreach (var (port, replica) in _replicaOfPort)
                {
                    Publish(replica, ResourceState.FailedToStart, null, $"127.0.0.1:{port}", ex.Message);
                }
            }

            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(s_refreshPeriod, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (resource.Manager is not { } manager || !await _refreshGate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            var state = await manager.GetStateAsync(cancellationToken).ConfigureAwait(false);
            var seen = new HashSet<int>();
            foreach (var node in state.Nodes)
            {
                var replica = ReplicaOf(node.Port);
                seen.Add(replica);
                var status = node.ProcessId is null ? ResourceState.Exited : node.Failed ? ResourceState.Unhealthy : ResourceState.Healthy;
                var slots = node.SlotCount > 0 ? $" {string.Join(' ', node.Slots)} ({node.SlotCount} slots)" : string.Empty;
                var role = node.Role == ClusterNodeRole.Master ? "master" : $"replica of {node.MasterId?[..8]}";
                Publish(replica, status, node.ProcessId, node.Address, $"{node.Id[..8]} {role}{slots}, {node.Keys?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} keys, link {node.LinkState}");
                RecordPid(replica, node.ProcessId);
            }

            lock (_replicaOfPort)
            {
                foreach (var (port, replica) in _replicaOfPort.Where(kv => !seen.Contains(kv.Value)).ToList())
                {
                    Publish(replica, ResourceState.Stopped, null, $"127.0.0.1:{port}", "removed from the cluster");
                    RecordPid(replica, null);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // During a reset no node answers for a moment; the next event or tick publishes the new state.
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private void RecordPid(int replica, int? pid)
    {
        lock (_pidOfReplica)
        {
            if (_pidOfReplica.TryGetValue(replica, out var known) && known == pid)
            {
                return;
            }

            if (pid is { } running)
            {
                _pidOfReplica[replica] = running;
                _pidFiles?.Write(InstanceId(replica), running);
            }
            else if (_pidOfReplica.Remove(replica))
            {
                _pidFiles?.Delete(InstanceId(replica));
            }
        }
    }

    private int ReplicaOf(int port)
    {
        lock (_replicaOfPort)
        {
            if (!_replicaOfPort.TryGetValue(port, out var replica))
            {
                replica = _replicaOfPort.Count;
                _replicaOfPort[port] = replica;
            }

            return replica;
        }
    }

    private void Publish(int replica, ResourceState state, int? pid, string address, string message) =>
        _app?.ResourceNotifications.Publish(new ResourceSnapshot
        {
            Name = resource.Name,
            ResourceType = resource.ResourceType,
            Replica = replica,
            State = state,
            Pid = pid,
            Endpoints = [$"tcp://{address}"],
            Message = message,
        });

    private void OnEvent(ClusterOperationEvent value)
    {
        if (_app is { Options.WriteResourceLogsToConsole: true })
        {
            ConsoleLogWriter.WriteInfo($"{resource.Name}: {value.Operation} [{value.Step}] {value.Message}");
        }

        if (value.Step is "done" or "failed" or "promoted")
        {
            _ = Task.Run(() => RefreshAsync(_stopping.Token));
        }
    }

    private string InstanceId(int replica) => $"{resource.Name}-{replica}";

    private static IEnumerable<string> EndpointsOf(string connectionString) =>
        connectionString.Split(',').Where(part => !part.Contains('=', StringComparison.Ordinal));

    private static int PortOf(string endpoint) => int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private sealed class EventObserver(RedisClusterProcessor processor) : IObserver<ClusterOperationEvent>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(ClusterOperationEvent value) => processor.OnEvent(value);
    }
}
