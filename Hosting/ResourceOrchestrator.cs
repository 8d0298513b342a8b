using Hosting.ApplicationModel;
using Hosting.LoadBalancing;
using Hosting.Postgres;
using Hosting.Processes;
using Hosting.Redis;

namespace Hosting;

/// <summary>
/// Starts every resource once what it waits for is healthy, and stops them in reverse dependency order. Each
/// replica is supervised by its own <see cref="ReplicaRunner"/>.
/// </summary>
internal sealed class ResourceOrchestrator : IDistributedApplicationProcessor
{
    private readonly DistributedApplication _app;
    private readonly List<IResource> _order;
    private readonly Dictionary<string, List<ReplicaRunner>> _runners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ResourceLauncher> _launchers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _background = [];

    public ResourceOrchestrator(DistributedApplication app, PidFileStore pidFiles)
    {
        _app = app;
        _order = ResourceGraph.GetStartOrder(app.Resources);
        foreach (var resource in _order)
        {
            if (CreateLauncher(resource) is not { } launcher)
            {
                continue;
            }
            _launchers[resource.Name] = launcher;
            _runners[resource.Name] = [.. Enumerable.Range(0, resource.GetReplicaCount())
                .Select(i => new ReplicaRunner(launcher, i, app.ResourceNotifications, pidFiles, app.Options))];
        }
        foreach (var database in _order.OfType<PostgresDatabaseResource>())
        {
            app.ResourceNotifications.Publish(DatabaseSnapshot(database, ResourceState.Waiting));
        }
    }

    public Task StartAsync(DistributedApplication application, CancellationToken cancellationToken)
    {
        foreach (var resource in _order)
        {
            if (resource is PostgresDatabaseResource database)
            {
                _background.Add(Task.Run(() => FollowDatabaseAsync(database, _stopping.Token), CancellationToken.None));
            }
            else if (resource.TryGetLastAnnotation<ExplicitStartAnnotation>(out _) && _runners.TryGetValue(resource.Name, out var notStarted))
            {
                for (var i = 0; i < notStarted.Count; i++)
                {
                    application.ResourceNotifications.Publish(application.ResourceNotifications.GetSnapshot(resource.Name, i)! with
                    {
                        State = ResourceState.Stopped,
                        Message = "not started: it starts on request (explicit start)",
                    });
                }
            }
            else if (_runners.ContainsKey(resource.Name))
            {
                _background.Add(Task.Run(() => StartWhenReadyAsync(resource, _stopping.Token), CancellationToken.None));
            }
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(DistributedApplication application, CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_background).ConfigureAwait(false);
        var errors = new List<Exception>();
        for (var i = _order.Count - 1; i >= 0; i--)
        {
            if (_runners.TryGetValue(_order[i].Name, out var runners))
            {
                try
                {
                    await Task.WhenAll(runners.Select(r => r.StopAsync())).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    errors.Add(ex);
                }
            }
        }
        if (errors.Count > 0)
        {
            throw new AggregateException("Some resources did not stop cleanly.", errors);
        }
    }

    public ReplicaRunner GetRunner(string name, int replica)
    {
        if (!_runners.TryGetValue(name, out var runners))
        {
            throw new ArgumentException($"There is no process resource named '{name}'. Known: {string.Join(", ", _runners.Keys)}.", nameof(name));
        }
        if (replica < 0 || replica >= runners.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(replica), $"'{name}' has {runners.Count} replica(s); replica {replica} does not exist.");
        }
        return runners[replica];
    }

    public int GetReplicaCount(string name) => _runners.TryGetValue(name, out var runners) ? runners.Count : 0;

    public LoadBalancerRuntime? GetLoadBalancerRuntime(string name)
        => _launchers.TryGetValue(name, out var launcher) && launcher is HaproxyLauncher haproxy ? haproxy.Runtime : null;

    /// <summary>The load balancers whose backend is <paramref name="name"/>.</summary>
    public IEnumerable<LoadBalancerRuntime> GetLoadBalancersOf(string name)
        => _launchers.Values.OfType<HaproxyLauncher>()
            .Where(l => l.Resource is LoadBalancerResource lb && lb.Backend?.Name == name)
            .Select(l => l.Runtime);

    private ResourceLauncher? CreateLauncher(IResource resource) => resource switch
    {
        ProjectResource project => new ProjectLauncher(project, _app),
        ExecutableResource executable => new ExecutableLauncher(executable, _app),
        RedisResource redis => new RedisLauncher(redis, _app),
        PostgresServerResource postgres => new PostgresLauncher(postgres, _app),
        LoadBalancerResource lb => new HaproxyLauncher(lb, _app),
        _ => null,
    };

    private async Task StartWhenReadyAsync(IResource resource, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var wait in resource.GetAnnotations<WaitAnnotation>())
            {
                await _app.ResourceNotifications.WaitForResourceHealthyAsync(wait.Resource.Name, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (DistributedApplicationException ex)
        {
            foreach (var runner in _runners[resource.Name])
            {
                _app.ResourceNotifications.Publish(_app.ResourceNotifications.GetSnapshot(resource.Name, 0)! with
                {
                    Replica = _runners[resource.Name].IndexOf(runner),
                    State = ResourceState.FailedToStart,
                    Message = $"A resource it waits for failed: {ex.Message}",
                });
            }
            return;
        }
        foreach (var runner in _runners[resource.Name])
        {
            runner.Start();
        }
    }

    /// <summary>A database has no process: it is healthy when its server is and the database answers.</summary>
    private async Task FollowDatabaseAsync(PostgresDatabaseResource database, CancellationToken cancellationToken)
    {
        var notifications = _app.ResourceNotifications;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await notifications.WaitForResourceHealthyAsync(database.Parent.Name, cancellationToken).ConfigureAwait(false);
                notifications.Publish(DatabaseSnapshot(database, ResourceState.Starting));
                await PostgresLauncher.EnsureDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
                notifications.Publish(DatabaseSnapshot(database, ResourceState.Healthy));
                await foreach (var item in notifications.WatchAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (item.Snapshot.Name == database.Parent.Name && item.Snapshot.State != ResourceState.Healthy)
                    {
                        notifications.Publish(DatabaseSnapshot(database, ResourceState.Waiting));
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (DistributedApplicationException ex)
            {
                notifications.Publish(DatabaseSnapshot(database, ResourceState.FailedToStart) with { Message = ex.Message });
                return;
            }
            catch (Npgsql.NpgsqlException ex)
            {
                // The server may be restarting; try again once it is healthy.
                notifications.Publish(DatabaseSnapshot(database, ResourceState.Unhealthy) with { Message = ex.Message });
                await Task.Delay(500, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static ResourceSnapshot DatabaseSnapshot(PostgresDatabaseResource database, ResourceState state) => new()
    {
        Name = database.Name,
        ResourceType = database.ResourceType,
        State = state,
        Endpoints = [$"tcp://127.0.0.1:{database.Parent.Port}/{database.DatabaseName}"],
    };
}
