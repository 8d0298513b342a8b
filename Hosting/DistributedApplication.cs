using System.Diagnostics;
using System.Runtime.InteropServices;
using Hosting.ApplicationModel;
using Hosting.LoadBalancing;
using Hosting.Processes;

namespace Hosting;

/// <summary>
/// The built application: every resource as a supervised local process. Start it, wait for resources to be
/// healthy, get their endpoints and connection strings by name, stop or restart them, and dispose it to end
/// every process.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly List<IDistributedApplicationProcessor> _processors;
    private readonly List<IDistributedApplicationProcessor> _started = [];
    private readonly ResourceOrchestrator _orchestrator;
    private readonly PidFileStore _pidFiles;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private bool _disposed;
    private bool _claimed;

    internal DistributedApplication(DistributedApplicationOptions options, List<IResource> resources,
        List<IDistributedApplicationProcessor> processors, int dashboardPort)
    {
        Options = options;
        Resources = resources;
        DashboardPort = dashboardPort;
        ResourceNotifications = new ResourceNotificationService(resources.ToDictionary(r => r.Name, r => r.GetReplicaCount()));
        _pidFiles = new PidFileStore(options.StateDirectory);
        _orchestrator = new ResourceOrchestrator(this, _pidFiles);
        _processors = [.. processors, _orchestrator];
    }

    /// <summary>Creates a builder; understands <c>--lb-port</c>, <c>--dashboard-port</c> and <c>--state-dir</c>.</summary>
    public static IDistributedApplicationBuilder CreateBuilder(string[] args)
        => new DistributedApplicationBuilder(DistributedApplicationOptions.FromArgs(args));

    /// <summary>Creates a builder with explicit options.</summary>
    public static IDistributedApplicationBuilder CreateBuilder(DistributedApplicationOptions options)
        => new DistributedApplicationBuilder(options);

    /// <summary>The options the application was built with.</summary>
    public DistributedApplicationOptions Options { get; }

    /// <summary>The resources, in the order they were added.</summary>
    public IReadOnlyList<IResource> Resources { get; }

    /// <summary>The state of every replica, as a stream and as waits.</summary>
    public ResourceNotificationService ResourceNotifications { get; }

    /// <summary>The port of the dashboard and OTLP receiver.</summary>
    public int DashboardPort { get; }

    /// <summary>Ends leftovers of a killed previous run, checks the fixed ports, then starts every processor in order.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(Options.StateDirectory);
            _pidFiles.ClaimStateDirectory();
            _claimed = true;
            foreach (var leftover in _pidFiles.EndLeftovers())
            {
                ConsoleLogWriter.WriteInfo($"Ended a leftover of a previous run: {leftover}");
            }
            CheckFixedPorts();
            foreach (var processor in _processors)
            {
                try
                {
                    await processor.StartAsync(this, cancellationToken).ConfigureAwait(false);
                    _started.Add(processor);
                }
                catch
                {
                    await StopStartedAsync().ConfigureAwait(false);
                    throw;
                }
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops every processor in reverse order (resources: dependents first); collects errors.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopStartedAsync().ConfigureAwait(false);
            if (_claimed)
            {
                _pidFiles.ReleaseStateDirectory();
                _claimed = false;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Starts, prints the resources once all are healthy, then runs until Ctrl+C, SIGTERM or
    /// <paramref name="cancellationToken"/>, then stops everything. A configuration problem is printed and sets
    /// the exit code to 1.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            shutdown.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        try
        {
            await StartAsync(shutdown.Token).ConfigureAwait(false);
            await WaitForAllHealthyAsync(shutdown.Token).ConfigureAwait(false);
            // Measured from the start of the AppHost process, so the figure includes everything after the build.
            var elapsed = DateTime.Now - Process.GetCurrentProcess().StartTime;
            ConsoleLogWriter.WriteInfo($"All {Resources.Count} resources are healthy, {elapsed.TotalSeconds:0.0} s after the AppHost started. Ctrl+C stops everything.");
            Console.Out.Write(ResourceTable.Format(this));
            await Task.Delay(Timeout.Infinite, shutdown.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
        catch (DistributedApplicationException ex)
        {
            // A problem the user can fix (taken port, missing package, missing build): say it, without a stack trace.
            ConsoleLogWriter.WriteError(ex.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            ConsoleLogWriter.WriteInfo("Stopping...");
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Completes when every replica of every resource (but those started explicitly) is healthy; throws if one failed to start.</summary>
    public async Task WaitForAllHealthyAsync(CancellationToken cancellationToken = default)
    {
        foreach (var resource in Resources.Where(r => !r.TryGetLastAnnotation<ExplicitStartAnnotation>(out _)))
        {
            await ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The connection string of a Postgres server or database or a Redis server, by resource name.</summary>
    public Task<string> GetConnectionStringAsync(string name, CancellationToken cancellationToken = default)
        => Task.FromResult(GetResource<IResourceWithConnectionString>(name).GetConnectionString());

    /// <summary>The URL of a project/executable replica, of a load balancer's frontend, or tcp://host:port of a server.</summary>
    public Uri GetEndpoint(string name, int replica = 0)
    {
        var resource = GetResource<IResource>(name);
        return resource switch
        {
            RedisResource redis => new Uri($"tcp://127.0.0.1:{redis.Port}"),
            PostgresServerResource postgres => new Uri($"tcp://127.0.0.1:{postgres.Port}"),
            _ => EnvironmentBuilder.GetHttpUrls(resource) is { Count: > 0 } urls
                ? (replica >= 0 && replica < urls.Count
                    ? new Uri(urls[replica])
                    : throw new ArgumentOutOfRangeException(nameof(replica), $"'{name}' has {urls.Count} endpoint(s); replica {replica} does not exist."))
                : throw new ArgumentException($"Resource '{name}' has no endpoint.", nameof(name)),
        };
    }

    /// <summary>An HttpClient whose BaseAddress is the endpoint of <paramref name="name"/> (replica <paramref name="replica"/>).</summary>
    public HttpClient CreateHttpClient(string name, int replica = 0)
        => new() { BaseAddress = GetEndpoint(name, replica) };

    /// <summary>The environment a replica of a project or executable is (or will be) started with.</summary>
    public IReadOnlyDictionary<string, string> GetEnvironmentVariables(string name, int replica = 0)
    {
        var resource = GetResource<IResourceWithEnvironment>(name);
        ArgumentOutOfRangeException.ThrowIfNegative(replica);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(replica, resource.GetReplicaCount());
        return EnvironmentBuilder.Build(resource, replica, Options, DashboardPort);
    }

    /// <summary>The last lines a replica wrote to stdout/stderr.</summary>
    public IReadOnlyList<LogLine> GetLogs(string name, int replica = 0) => _orchestrator.GetRunner(name, replica).Logs.GetLines();

    /// <summary>The runtime API (drain, enable, sessions) of a running load balancer.</summary>
    public LoadBalancerRuntime GetLoadBalancer(string name)
        => _orchestrator.GetLoadBalancerRuntime(name) ?? throw new ArgumentException($"There is no load balancer named '{name}'.", nameof(name));

    /// <summary>
    /// Stops one replica (or all when <paramref name="replica"/> is null). A replica behind a load balancer is
    /// drained first and stopped once it has no request in flight, so clients see no error.
    /// </summary>
    public async Task StopResourceAsync(string name, int? replica = null, CancellationToken cancellationToken = default)
    {
        foreach (var i in Replicas(name, replica))
        {
            foreach (var lb in RunningLoadBalancersOf(name))
            {
                await lb.DrainAsync(i, cancellationToken).ConfigureAwait(false);
                await lb.WaitForNoSessionsAsync(i, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            }
            await _orchestrator.GetRunner(name, i).StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts stopped replicas, waits until they are healthy, then lets load balancers send them traffic.</summary>
    public async Task StartResourceAsync(string name, int? replica = null, CancellationToken cancellationToken = default)
    {
        foreach (var i in Replicas(name, replica))
        {
            _orchestrator.GetRunner(name, i).Start();
        }
        foreach (var i in Replicas(name, replica))
        {
            await WaitForReplicaAsync(name, i, ResourceState.Healthy, cancellationToken).ConfigureAwait(false);
            foreach (var lb in RunningLoadBalancersOf(name))
            {
                await lb.EnableAsync(i, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops then starts replicas one at a time (drain, stop, start, healthy, enable): a rolling restart.</summary>
    public async Task RestartResourceAsync(string name, int? replica = null, CancellationToken cancellationToken = default)
    {
        foreach (var i in Replicas(name, replica))
        {
            await StopResourceAsync(name, i, cancellationToken).ConfigureAwait(false);
            await StartResourceAsync(name, i, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILLs a replica's process tree, as a crash would; supervision marks it Exited and restarts it.</summary>
    public Task KillResourceAsync(string name, int replica = 0)
    {
        _orchestrator.GetRunner(name, replica).Kill();
        return Task.CompletedTask;
    }

    /// <summary>The pid of a running replica, or null.</summary>
    public int? GetProcessId(string name, int replica = 0) => _orchestrator.GetRunner(name, replica).Pid;

    /// <summary>Stops everything and, for tests, deletes the state folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            if (Options.DeleteStateDirectoryOnDispose && Directory.Exists(Options.StateDirectory))
            {
                Directory.Delete(Options.StateDirectory, recursive: true);
            }
        }
    }

    private async Task WaitForReplicaAsync(string name, int replica, ResourceState state, CancellationToken cancellationToken)
    {
        await foreach (var item in ResourceNotifications.WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            var snapshot = ResourceNotifications.GetSnapshot(name, replica);
            if (snapshot?.State == state)
            {
                return;
            }
            if (snapshot?.State == ResourceState.FailedToStart)
            {
                throw new DistributedApplicationException($"Resource '{snapshot.InstanceId}' failed to start: {snapshot.Message}");
            }
        }
    }

    /// <summary>The load balancers in front of <paramref name="name"/> whose HAProxy runs (a stopped one has no socket).</summary>
    private IEnumerable<LoadBalancerRuntime> RunningLoadBalancersOf(string name)
        => _orchestrator.GetLoadBalancersOf(name).Where(lb => ResourceNotifications.GetSnapshot(lb.Name)?.State is ResourceState.Healthy or ResourceState.Unhealthy or ResourceState.Running);

    private IEnumerable<int> Replicas(string name, int? replica)
    {
        var count = _orchestrator.GetReplicaCount(name);
        if (count == 0)
        {
            throw new ArgumentException($"There is no process resource named '{name}'.", nameof(name));
        }
        if (replica is { } r)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(r, nameof(replica));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(r, count, nameof(replica));
            return [r];
        }
        return Enumerable.Range(0, count);
    }

    private T GetResource<T>(string name) where T : IResource
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var resource = Resources.FirstOrDefault(r => r.Name == name)
            ?? throw new ArgumentException($"There is no resource named '{name}'. Known resources: {string.Join(", ", Resources.Select(r => r.Name))}.", nameof(name));
        return resource is T typed
            ? typed
            : throw new ArgumentException($"Resource '{name}' is a {((Resource)resource).ResourceType}, which does not have this (expected {typeof(T).Name}).", nameof(name));
    }

    private void CheckFixedPorts()
    {
        foreach (var lb in Resources.OfType<LoadBalancerResource>())
        {
            var fixedPort = lb.RequestedPort ?? Options.LoadBalancerPort;
            if (fixedPort is > 0 && !PortAllocator.IsAvailable(lb.Port))
            {
                var how = lb.RequestedPort is null ? "choose another with --lb-port <port>" : $"change the port passed to AddLoadBalancer(\"{lb.Name}\")";
                throw new DistributedApplicationException($"Port {lb.Port} for load balancer '{lb.Name}' is already in use on 127.0.0.1: stop what uses it or {how}.");
            }
        }
        if (Options.DashboardEnabled && Options.DashboardPort != 0 && !PortAllocator.IsAvailable(DashboardPort))
        {
            throw new DistributedApplicationException($"Port {DashboardPort} for the dashboard is already in use on 127.0.0.1: stop what uses it or choose another with --dashboard-port <port>.");
        }
    }

    private async Task StopStartedAsync()
    {
        var errors = new List<Exception>();
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            try
            {
                await _started[i].StopAsync(this, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        }
        _started.Clear();
        if (errors.Count > 0)
        {
            throw new AggregateException("Stopping the application failed.", errors);
        }
    }
}
