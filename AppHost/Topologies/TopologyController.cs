using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Hosting;
using Hosting.ApplicationModel;

namespace AppHost.Topologies;

/// <summary>
/// Switches the cache topology while traffic flows. It starts what the target needs (Redis servers, the cluster)
/// on first use, empties the target caches (what an earlier visit left there is stale now), then reconfigures one
/// web replica at a time: drain it in the load balancer, wait until it serves nothing, point it at the new cache
/// (<c>PUT /admin/cache</c>, answered once the new connection answers PING), enable it again. Last, the load
/// balancer's stickiness. One switch at a time. It also applies the start topology once the replicas are up.
/// </summary>
public sealed class TopologyController : IDistributedApplicationProcessor
{
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(5);
    private readonly SampleNames _names;
    private readonly string _adminToken;
    private readonly SemaphoreSlim _switching = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Topology _start;
    private DistributedApplication? _app;
    private Task _applyStart = Task.CompletedTask;
    private volatile string? _target;
    private volatile Topology? _current;
    private volatile TopologySwitch? _last;
    private volatile string? _lastError;
    private int _waitForReplicas;

    internal TopologyController(SampleNames names, string adminToken, Topology start)
    {
        _names = names;
        _adminToken = adminToken;
        _start = start;
    }

    /// <summary>The topology in use, or null before the start topology is applied.</summary>
    public Topology? Current => _current;

    /// <summary>The state for <c>GET /api/topology</c>.</summary>
    public TopologyStatus GetStatus() => new(_current?.Name, Volatile.Read(ref _waitForReplicas), _target, Topology.All, _last, _lastError);

    /// <summary>Completes when the start topology is applied (or failed; see <see cref="GetStatus"/>).</summary>
    public Task WhenStartedAsync(CancellationToken cancellationToken = default) => _applyStart.WaitAsync(cancellationToken);

    /// <summary>Switches to <paramref name="topology"/>; throws <see cref="TopologySwitchInProgressException"/> when a switch is running.</summary>
    public async Task<TopologySwitch> SwitchAsync(Topology topology, int waitForReplicas = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var app = _app ?? throw new InvalidOperationException("The application is not started.");
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
        var steps = new List<TopologyStep>();
        var clock = Stopwatch.StartNew();
        var from = _current?.Name;
        void Step(string step, string message)
        {
            steps.Add(new TopologyStep(Math.Round(clock.Elapsed.TotalMilliseconds, 1), step, message));
            if (app.Options.WriteResourceLogsToConsole)
            {
                ConsoleLogWriter.WriteInfo($"topology {topology.Name}: [{step}] {message}");
            }
        }
        _target = topology.Name;
        try
        {
            Step("begin", $"from {from ?? "(start)"} to {topology.Name}: {topology.Description}");
            var connectionStrings = await PrepareCachesAsync(app, topology, Step, token).ConfigureAwait(false);
            var lb = app.GetLoadBalancer(_names.LoadBalancer);
            for (var i = 0; i < _names.WebReplicas; i++)
            {
                await lb.DrainAsync(i, token).ConfigureAwait(false);
                var drained = await lb.WaitForNoSessionsAsync(i, s_drainTimeout, token).ConfigureAwait(false);
                Step("drain", drained ? $"{_names.WebFrontend}-{i} drained" : $"{_names.WebFrontend}-{i} still had requests after {s_drainTimeout.TotalSeconds:0} s; switching anyway (requests in flight finish on the old connection)");
                try
                {
                    var answer = await SwitchReplicaAsync(app, i, connectionStrings[i], topology.NearCache, waitForReplicas, token).ConfigureAwait(false);
                    Step("switch", $"{_names.WebFrontend}-{i} uses {answer}");
                }
                finally
                {
                    await lb.EnableAsync(i, CancellationToken.None).ConfigureAwait(false);
                }
                await WaitUntilUpAsync(lb, i, token).ConfigureAwait(false);
                Step("enable", $"{_names.WebFrontend}-{i} back in the load balancer");
            }
            if (topology.Cache != TopologyCache.None)
            {
                // While the replicas were switched one by one, a write through a replica still on the old cache did
                // not invalidate the new one, where another replica may have stored the version before that write.
                await FlushAsync(app, topology, step: null, token).ConfigureAwait(false);
                Step("flush", "again, now that every replica uses the new cache: drops what was stored while some replicas still invalidated the old one");
            }
            await lb.SetStickyAsync(topology.Sticky, token).ConfigureAwait(false);
            Step("lb", topology.Sticky ? "cookie stickiness on (SERVERID)" : "round robin, no stickiness");
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
    public Task StartAsync(DistributedApplication application, CancellationToken cancellationToken)
    {
        _app = application;
        _applyStart = Task.Run(async () =>
        {
            try
            {
                await application.ResourceNotifications.WaitForResourceHealthyAsync(_names.LoadBalancer, _stopping.Token).ConfigureAwait(false);
                for (var i = 0; i < _names.WebReplicas; i++)
                {
                    await WaitUntilUpAsync(application.GetLoadBalancer(_names.LoadBalancer), i, _stopping.Token).ConfigureAwait(false);
                }
                await SwitchAsync(_start, 0, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                _lastError = $"The start topology '{_start.Name}' could not be applied: {ex.Message}";
                ConsoleLogWriter.WriteError(_lastError);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(DistributedApplication application, CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _applyStart.ConfigureAwait(false);
        _http.Dispose();
    }

    /// <summary>Starts the target caches if needed and empties them; returns the connection string of each replica.</summary>
    private async Task<string?[]> PrepareCachesAsync(DistributedApplication app, Topology topology, Action<string, string> step, CancellationToken token)
    {
        var replicas = _names.WebReplicas;
        switch (topology.Cache)
        {
            case TopologyCache.None:
                return new string?[replicas];
            case TopologyCache.Single:
            {
                await StartRedisAsync(app, _names.SingleCache, step, token).ConfigureAwait(false);
                await FlushAsync(app, topology, step, token).ConfigureAwait(false);
                var connectionString = await app.GetConnectionStringAsync(_names.SingleCache, token).ConfigureAwait(false);
                return [.. Enumerable.Repeat(connectionString, replicas)];
            }
            case TopologyCache.PerReplica:
            {
                var result = new string?[replicas];
                for (var i = 0; i < replicas; i++)
                {
                    var name = _names.NaiveCache(i);
                    await StartRedisAsync(app, name, step, token).ConfigureAwait(false);
                    result[i] = await app.GetConnectionStringAsync(name, token).ConfigureAwait(false);
                }
                await FlushAsync(app, topology, step, token).ConfigureAwait(false);
                return result;
            }
            default:
            {
                var started = Stopwatch.StartNew();
                await app.StartRedisClusterAsync(_names.ClusterCache, token).ConfigureAwait(false);
                var manager = app.GetRedisCluster(_names.ClusterCache);
                var state = await manager.GetStateAsync(token).ConfigureAwait(false);
                step("start", $"{_names.ClusterCache}: {state.Masters.Count()} masters + {state.Replicas.Count()} replicas ready ({started.Elapsed.TotalSeconds:0.0} s)");
                await FlushAsync(app, topology, step, token).ConfigureAwait(false);
                return [.. Enumerable.Repeat<string?>(manager.ConnectionString, replicas)];
            }
        }
    }

    private static async Task StartRedisAsync(DistributedApplication app, string name, Action<string, string> step, CancellationToken token)
    {
        if (app.ResourceNotifications.GetSnapshot(name)?.State == ResourceState.Healthy)
        {
            return;
        }
        var started = Stopwatch.StartNew();
        await app.StartResourceAsync(name, cancellationToken: token).ConfigureAwait(false);
        step("start", $"{name} started ({started.Elapsed.TotalSeconds:0.0} s)");
    }

    /// <summary>FLUSHALL on every cache of <paramref name="topology"/> (every master of the cluster).</summary>
    private async Task FlushAsync(DistributedApplication app, Topology topology, Action<string, string>? step, CancellationToken token)
    {
        switch (topology.Cache)
        {
            case TopologyCache.Single:
            case TopologyCache.PerReplica:
                var names = topology.Cache == TopologyCache.Single
                    ? [_names.SingleCache]
                    : Enumerable.Range(0, _names.WebReplicas).Select(_names.NaiveCache).ToArray();
                foreach (var name in names)
                {
                    var redis = app.Resources.OfType<RedisResource>().Single(r => r.Name == name);
                    await RedisAdmin.FlushAllAsync(redis.Port, redis.Password, token).ConfigureAwait(false);
                }
                step?.Invoke("flush", $"FLUSHALL on {string.Join(", ", names)} (what an earlier visit left is stale)");
                break;
            case TopologyCache.Cluster:
                var manager = app.GetRedisCluster(_names.ClusterCache);
                var state = await manager.GetStateAsync(token).ConfigureAwait(false);
                foreach (var master in state.Masters.Where(m => !m.Failed))
                {
                    await RedisAdmin.FlushAllAsync(master.Port, manager.Password, token).ConfigureAwait(false);
                }
                step?.Invoke("flush", $"{_names.ClusterCache}: FLUSHALL on every master (what an earlier visit left is stale)");
                break;
        }
    }

    private async Task<string> SwitchReplicaAsync(DistributedApplication app, int replica, string? connectionString, string nearCache, int waitForReplicas, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(app.GetEndpoint(_names.WebFrontend, replica), "/admin/cache"))
        {
            Content = JsonContent.Create(new { connectionString, nearCache, waitForReplicas }),
        };
        request.Headers.Add("X-Admin-Token", _adminToken);
        using var response = await _http.SendAsync(request, token).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{_names.WebFrontend}-{replica} refused the new cache ({(int)response.StatusCode}): {body}");
        }
        var answer = System.Text.Json.JsonDocument.Parse(body).RootElement;
        var configuration = answer.TryGetProperty("configuration", out var c) && c.ValueKind == System.Text.Json.JsonValueKind.String ? c.GetString() : "no cache";
        var ping = answer.TryGetProperty("pingMilliseconds", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Number
            ? $", PING {p.GetDouble().ToString("0.0", CultureInfo.InvariantCulture)} ms" : "";
        return $"{configuration} (near cache {nearCache}, WAIT {waitForReplicas}{ping})";
    }

    private static async Task WaitUntilUpAsync(Hosting.LoadBalancing.LoadBalancerRuntime lb, int replica, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!(await lb.GetStatusAsync(replica, timeout.Token).ConfigureAwait(false)).StartsWith("UP", StringComparison.Ordinal))
        {
            await Task.Delay(50, timeout.Token).ConfigureAwait(false);
        }
    }
}
