using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scaleout.Integration;
using StackExchange.Redis;

namespace AppHost.Topologies;

/// <summary>
/// Switches the cache topology while traffic flows. It starts what the target needs (the explicit-start caches, the
/// cluster) through Aspire's start command, empties the target caches (what an earlier visit left there is stale
/// now), then reconfigures one web replica at a time: drain it in the load balancer (returns once it serves
/// nothing), point it at the new cache (<c>PUT /admin/cache</c>, answered once the new connection answered PING),
/// enable it again. Last, the load balancer's cookie affinity. One switch at a time; progress goes to the
/// <c>lb</c> resource's console log. Started as a hosted service, it applies the start topology once the
/// replicas and the load balancer are healthy.
/// </summary>
public sealed partial class TopologyController(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService loggers,
    AppHostOptions options,
    Microsoft.Extensions.Configuration.IConfiguration configuration) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _switching = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private Task _applyStart = Task.CompletedTask;
    private int _started;
    private volatile string? _target;
    private Topology? _current;
    private int _waitForReplicas;
    private TopologySwitch? _last;
    private string? _lastError;

    /// <summary>The topology in use (null until the start topology is applied).</summary>
    public Topology? Current => _current;

    /// <summary>What <c>GET /api/topology</c> answers.</summary>
    public TopologyStatus GetStatus() => new(_current?.Name, Volatile.Read(ref _waitForReplicas), _target, Topology.All, _last, _lastError);

    /// <summary>Whether the AppHost was given an installed ScaleOut StateServer (the <c>soss</c> resource is in the model).</summary>
    public bool IsSossConfigured => model.Resources.Any(r => r.Name == ResourceNames.Soss);

    /// <summary>Completes when the start topology is applied (or failed: see <see cref="GetStatus"/>).</summary>
    public Task WhenStartedAsync(CancellationToken cancellationToken = default) => _applyStart.WaitAsync(cancellationToken);

    /// <summary>Switches to <paramref name="topology"/>; throws <see cref="TopologySwitchInProgressException"/> while another switch runs.</summary>
    public async Task<TopologySwitch> SwitchAsync(Topology topology, int waitForReplicas = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        if (topology.Cache == TopologyCache.Soss && !IsSossConfigured)
        {
            throw new ArgumentException($"The {topology.Name} topology is unavailable: {ScaleOutStateServerConfiguration.NotConfiguredReason(ResourceNames.Soss)}.", nameof(topology));
        }
        if (waitForReplicas > 0 && topology.Cache != TopologyCache.Cluster)
        {
            throw new ArgumentException($"waitForReplicas needs Redis replicas: only the cluster topologies have them, not '{topology.Name}'.", nameof(waitForReplicas));
        }
        if (!await _switching.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            throw new TopologySwitchInProgressException($"A switch to '{_target}' is in progress; try again when it is done.");
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var token = linked.Token;
        var log = loggers.GetLogger(Resource(ResourceNames.LoadBalancer));
        var steps = new List<TopologyStep>();
        var clock = Stopwatch.StartNew();
        var from = _current?.Name;
        void Step(string step, string message)
        {
            steps.Add(new TopologyStep(Math.Round(clock.Elapsed.TotalMilliseconds, 1), step, message));
            LogStep(log, topology.Name, step, message);
        }
        _target = topology.Name;
        try
        {
            Step("begin", $"from {from ?? "(start)"} to {topology.Name}: {topology.Description}");
            var caches = await PrepareCachesAsync(topology, Step, token).ConfigureAwait(false);
            var lb = new LoadBalancerAdmin(_http, Endpoint(ResourceNames.LoadBalancer), await AdminTokenAsync(token).ConfigureAwait(false));
            for (var i = 0; i < ResourceNames.WebReplicas; i++)
            {
                var replica = ResourceNames.WebFrontend(i);
                var inFlight = await lb.DrainAsync(replica, token).ConfigureAwait(false);
                Step("drain", inFlight == 0
                    ? $"{replica} drained"
                    : $"{replica} still had {inFlight} requests after the drain timeout; switching anyway (they finish on the old connection)");
                try
                {
                    var answer = await SwitchReplicaAsync(replica, caches[i], topology.NearCache, waitForReplicas, lb.Token, token).ConfigureAwait(false);
                    Step("switch", $"{replica} uses {answer}");
                }
                finally
                {
                    await lb.EnableAsync(replica, CancellationToken.None).ConfigureAwait(false);
                }
                Step("enable", $"{replica} back in the load balancer");
            }
            if (topology.Cache != TopologyCache.None)
            {
                // While the replicas were switched one by one, a write through a replica still on the old cache did
                // not invalidate the new one, where another replica may have stored the version before that write.
                await FlushAsync(topology, token).ConfigureAwait(false);
                Step("flush", "again, now that every replica uses the new cache: drops what was stored while some replicas still invalidated the old one");
            }
            await lb.SetAffinityAsync(topology.Sticky, token).ConfigureAwait(false);
            Step("lb", topology.Sticky ? "cookie affinity on" : "round robin, no affinity");
            _current = topology;
            Volatile.Write(ref _waitForReplicas, waitForReplicas);
            _lastError = null;
            Step("done", $"{topology.Name} in {clock.Elapsed.TotalSeconds:0.00} s");
            var result = new TopologySwitch(from, topology.Name, waitForReplicas, Math.Round(clock.Elapsed.TotalMilliseconds, 1), steps);
            _last = result;
            return result;
        }
        catch (Exception ex)
        {
            _lastError = $"Switching to {topology.Name} failed after {clock.Elapsed.TotalSeconds:0.0} s: {ex.Message}";
            Step("failed", ex.Message);
            throw;
        }
        finally
        {
            _target = null;
            _switching.Release();
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Called from BeforeStartEvent, then again by the host: once is enough.
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _applyStart = Task.Run(ApplyStartTopologyAsync, CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _applyStart.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _stopping.Dispose();
        _switching.Dispose();
    }

    private async Task ApplyStartTopologyAsync()
    {
        var start = options.StartTopology;
        try
        {
            // The start topology's caches come up while the services start, not after them.
            var log = loggers.GetLogger(ResourceNames.LoadBalancer);
            _ = ReportWaitingAsync(start);
            var caches = Task.WhenAll(CacheNames(start).Select(name => StartAsync(name, (step, message) => LogStep(log, start.Name, step, message), _stopping.Token)));
            await notifications.WaitForResourceHealthyAsync(ResourceNames.LoadBalancer, _stopping.Token).ConfigureAwait(false);
            for (var i = 0; i < ResourceNames.WebReplicas; i++)
            {
                await notifications.WaitForResourceHealthyAsync(ResourceNames.WebFrontend(i), _stopping.Token).ConfigureAwait(false);
            }
            await caches.ConfigureAwait(false);
            await SwitchAsync(start, 0, _stopping.Token).ConfigureAwait(false);
            AnnounceReady(start);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _lastError = $"The start topology '{start.Name}' could not be applied: {ex.Message}";
            loggers.GetLogger(ResourceNames.LoadBalancer).LogError("{Error}", _lastError);
        }
    }

    /// <summary>How long the start may take before the AppHost says what it still waits for (the setting <c>AppHost:StartReportSeconds</c>, 60 by default).</summary>
    private TimeSpan StartReportAfter => TimeSpan.FromSeconds(
        double.TryParse(configuration["AppHost:StartReportSeconds"], System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : 60);

    /// <summary>
    /// A start that cannot finish (a server that failed to start, a port taken since the model was built) would
    /// otherwise wait in silence: after <see cref="StartReportAfter"/>, name every resource that is neither running
    /// and healthy, nor finished, nor left unstarted on purpose, with its state. It keeps waiting.
    /// </summary>
    private async Task ReportWaitingAsync(Topology start)
    {
        var after = StartReportAfter;
        try
        {
            await Task.Delay(after, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (_applyStart.IsCompleted)
        {
            return;
        }
        // What GET /api/resources shows, less what is ready, done, or not started on purpose.
        var waiting = ControlApi.ResourcesApi.Describe(model, notifications)
            .Where(r => r.State != KnownResourceStates.NotStarted && r.State != KnownResourceStates.Finished
                && !(r.State == KnownResourceStates.Running && r.Health is null or "Healthy"))
            .Select(r => r.State == KnownResourceStates.Running ? $"{r.Name} (Running, {r.Health})" : $"{r.Name} ({r.State ?? "no state yet"})")
            .ToList();
        var message = $"Not ready after {after.TotalSeconds:0} s: the start topology '{start.Name}' still waits for "
            + (waiting.Count > 0 ? string.Join(", ", waiting) + "; their console logs in the dashboard say why." : "its switch to finish (see lb's console log).");
        Console.Error.WriteLine(message);
        loggers.GetLogger(ResourceNames.LoadBalancer).LogWarning("{Message}", message);
    }

    /// <summary>
    /// The last lines of the start-up output: how long the start took, where things are, and the dashboard's login
    /// link again (Aspire prints it before the resources start; a person reads the end of the output).
    /// </summary>
    private void AnnounceReady(Topology start)
    {
        var elapsed = DateTime.Now - Process.GetCurrentProcess().StartTime;
        Console.WriteLine($"Ready {elapsed.TotalSeconds:0.0} s after launch, topology {start.Name}: storefront http://localhost:{options.LbPort}, control API {options.ControlUrl}");
        if (configuration["AppHost:BrowserToken"] is { Length: > 0 } token)
        {
            Console.WriteLine($"Login URL: http://127.0.0.1:{options.DashboardPort}/login?t={token}");
        }
    }

    /// <summary>Starts the caches <paramref name="topology"/> needs and empties them; returns each replica's cache name (null: none).</summary>
    private async Task<string?[]> PrepareCachesAsync(Topology topology, Action<string, string> step, CancellationToken token)
    {
        var names = CacheNames(topology);
        foreach (var name in names.Distinct())
        {
            await StartAsync(name, step, token).ConfigureAwait(false);
        }
        if (topology.Cache != TopologyCache.None)
        {
            var flushed = await FlushAsync(topology, token).ConfigureAwait(false);
            step("flush", $"{flushed}: what an earlier visit left there is stale");
        }
        return [.. Enumerable.Range(0, ResourceNames.WebReplicas).Select(i => CacheOf(topology, i))];
    }

    /// <summary>The cache (a ConnectionStrings name) replica <paramref name="i"/> uses in <paramref name="topology"/>; null: none.</summary>
    private static string? CacheOf(Topology topology, int i) => topology.Cache switch
    {
        TopologyCache.None => null,
        TopologyCache.Single => ResourceNames.SingleCache,
        TopologyCache.PerReplica => ResourceNames.NaiveCache(i),
        TopologyCache.Cluster => ResourceNames.ClusterCache,
        TopologyCache.Soss => ResourceNames.Soss,
        _ => throw new ArgumentOutOfRangeException(nameof(topology), topology.Cache, "Unknown cache kind."),
    };

    private static List<string> CacheNames(Topology topology) => topology.Cache switch
    {
        TopologyCache.None => [],
        TopologyCache.Single => [ResourceNames.SingleCache],
        TopologyCache.PerReplica => [.. Enumerable.Range(0, ResourceNames.WebReplicas).Select(ResourceNames.NaiveCache)],
        TopologyCache.Cluster => [ResourceNames.ClusterCache],
        TopologyCache.Soss => [ResourceNames.Soss],
        _ => throw new ArgumentOutOfRangeException(nameof(topology), topology.Cache, "Unknown cache kind."),
    };

    /// <summary>Starts an explicit-start resource through Aspire's start command, unless it runs, and waits until it is healthy.</summary>
    private async Task StartAsync(string name, Action<string, string> step, CancellationToken token)
    {
        var resource = Resource(name);
        if (notifications.TryGetCurrentState(name, out var current)
            && current.Snapshot.State?.Text == KnownResourceStates.Running
            && current.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
        {
            return;
        }
        var started = Stopwatch.StartNew();
        if (name == ResourceNames.Soss)
        {
            await WaitForSossAsync(step, started, token).ConfigureAwait(false);
            return;
        }
        // Right after launch DCP may not have created the resource yet: its start command is enabled once it has.
        var ready = await notifications.WaitForResourceAsync(name, e =>
            e.Snapshot.State?.Text == KnownResourceStates.Running || e.Snapshot.State?.Text == KnownResourceStates.Starting
            || e.Snapshot.Commands.Any(c => c.Name == KnownResourceCommands.StartCommand && c.State == ResourceCommandState.Enabled), token).ConfigureAwait(false);
        var state = ready.Snapshot.State?.Text;
        if (state != KnownResourceStates.Running && state != KnownResourceStates.Starting)
        {
            var result = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, token).ConfigureAwait(false);
            if (!result.Success)
            {
                throw new InvalidOperationException($"Starting {name} failed: {result.Message}");
            }
        }
        await notifications.WaitForResourceHealthyAsync(name, token).ConfigureAwait(false);
        step("start", $"{name} started and healthy ({started.Elapsed.TotalSeconds:0.0} s)");
    }

    /// <summary>
    /// Empties every cache of <paramref name="topology"/>: FLUSHALL on the sample's own Redis servers (every master of
    /// the cluster); on the user's ScaleOut StateServer only WebFrontend's keys (<see cref="WebFrontendKeyPrefix"/>),
    /// found with SCAN on every master, since the store may hold other data. Returns what it did, for the step log.
    /// </summary>
    private async Task<string> FlushAsync(Topology topology, CancellationToken token)
    {
        var done = new List<string>();
        foreach (var name in CacheNames(topology).Distinct())
        {
            var connectionString = await ((IResourceWithConnectionString)Resource(name)).GetConnectionStringAsync(token).ConfigureAwait(false);
            var configuration = ConfigurationOptions.Parse(connectionString!);
            var external = name == ResourceNames.Soss;
            configuration.AllowAdmin = !external;
            configuration.AbortOnConnectFail = true;
            await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            if (!external)
            {
                foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
                {
                    await server.FlushAllDatabasesAsync().WaitAsync(token).ConfigureAwait(false);
                }
                done.Add($"FLUSHALL on {name}");
                continue;
            }
            var deleted = 0L;
            var database = redis.GetDatabase();
            foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            {
                var batch = new List<Task<bool>>(SossDeleteBatch);
                await foreach (var key in server.KeysAsync(pattern: WebFrontendKeyPrefix + "*", pageSize: SossDeleteBatch).WithCancellation(token).ConfigureAwait(false))
                {
                    batch.Add(database.KeyDeleteAsync(key));
                    if (batch.Count == SossDeleteBatch)
                    {
                        deleted += (await Task.WhenAll(batch).WaitAsync(token).ConfigureAwait(false)).Count(d => d);
                        batch.Clear();
                    }
                }
                deleted += (await Task.WhenAll(batch).WaitAsync(token).ConfigureAwait(false)).Count(d => d);
            }
            done.Add($"deleted {deleted} {WebFrontendKeyPrefix}* keys on {name} (SCAN per master; the rest of the store is left alone)");
        }
        return string.Join("; ", done);
    }

    /// <summary>What every key WebFrontend writes starts with (WebFrontend's <c>ProductService.KeyPrefix</c>).</summary>
    internal const string WebFrontendKeyPrefix = "product:";

    private const int SossDeleteBatch = 500;

    /// <summary>How long a switch waits for the external ScaleOut StateServer to be reported healthy.</summary>
    internal static readonly TimeSpan SossHealthyTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The ScaleOut StateServer runs elsewhere: nothing to start, only its health to wait for (bounded). When it is
    /// not healthy in time, fails with its health check's description, which names the setting to fix.
    /// </summary>
    private async Task WaitForSossAsync(Action<string, string> step, Stopwatch started, CancellationToken token)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(token);
        bound.CancelAfter(SossHealthyTimeout);
        try
        {
            await notifications.WaitForResourceHealthyAsync(ResourceNames.Soss, bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            var why = notifications.TryGetCurrentState(ResourceNames.Soss, out var current)
                ? string.Join(" ", current.Snapshot.HealthReports.Select(r => r.Description ?? r.ExceptionText).Where(d => !string.IsNullOrWhiteSpace(d)))
                : "";
            throw new InvalidOperationException(
                $"{ResourceNames.Soss} is not healthy after {SossHealthyTimeout.TotalSeconds:0} s: {(why.Length > 0 ? why : "its health check has not reported yet")}");
        }
        step("start", $"{ResourceNames.Soss} (external, not started by the sample) healthy ({started.Elapsed.TotalSeconds:0.0} s)");
    }

    private async Task<string> SwitchReplicaAsync(string replica, string? cache, string nearCache, int waitForReplicas, string adminToken, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(Endpoint(replica), "/admin/cache"))
        {
            Content = JsonContent.Create(new { cache, nearCache, waitForReplicas }),
        };
        request.Headers.Add("X-Admin-Token", adminToken);
        using var response = await _http.SendAsync(request, token).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{replica} refused the cache '{cache ?? "(none)"}' ({(int)response.StatusCode}): {body}");
        }
        return $"{cache ?? "no cache"} (near cache {nearCache}, WAIT {waitForReplicas})";
    }

    private async Task<string> AdminTokenAsync(CancellationToken token)
    {
        var parameter = model.Resources.OfType<ParameterResource>().Single(p => p.Name == AppHostModel.AdminTokenParameter);
        return await parameter.GetValueAsync(token).ConfigureAwait(false) ?? throw new InvalidOperationException("The admin token has no value.");
    }

    private IResource Resource(string name) => model.Resources.Single(r => r.Name == name);

    private Uri Endpoint(string name) => new(((IResourceWithEndpoints)Resource(name)).GetEndpoint("http").Url);

    [LoggerMessage(Level = LogLevel.Information, Message = "topology {Topology}: [{Step}] {Message}")]
    private static partial void LogStep(ILogger logger, string topology, string step, string message);
}
