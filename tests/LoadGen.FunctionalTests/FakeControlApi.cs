using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoadGen.FunctionalTests;

/// <summary>
/// A real HTTP server on 127.0.0.1 keeping the AppHost control API's contract (<c>/api/topology</c>,
/// <c>/api/resources</c>, <c>/api/clusters/cache-cluster/...</c>, today's JSON shapes), over a simulated cluster of
/// node records. A switch also tells a <see cref="FakeStorefront"/> what caches to simulate. It tests LoadGen's page and
/// API on their own; the real stack's test is LoadGen.EndToEndTests.
/// </summary>
internal sealed class FakeControlApi : IAsyncDisposable
{
    private static readonly (string Name, string Cache)[] s_topologies =
        [("none", "None"), ("single", "Single"), ("naive", "PerReplica"), ("naive-sticky", "PerReplica"), ("cluster", "Cluster"), ("cluster-near", "Cluster")];

    private readonly WebApplication _app;
    private readonly FakeStorefront? _storefront;
    private readonly Lock _lock = new();
    private readonly List<Node> _nodes = [];
    private string _current = "single";
    private int _nextNode;

    private FakeControlApi(WebApplication app, FakeStorefront? storefront)
    {
        _app = app;
        _storefront = storefront;
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>While not null, cluster operations wait for it (to observe "an operation is running").</summary>
    public TaskCompletionSource? HoldOperations { get; set; }

    /// <summary>Requests that changed something (switches and operations), for "nothing was sent" checks.</summary>
    public int Changes { get; private set; }

    public string Current => _current;

    public static async Task<FakeControlApi> StartAsync(FakeStorefront? storefront = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeControlApi(app, storefront);
        app.MapGet("/api/topology", () => Results.Json(fake.Status()));
        app.MapPut("/api/topology", (HttpRequest request) => fake.SwitchAsync(request));
        app.MapGet("/api/resources", fake.Resources);
        var cluster = app.MapGroup("/api/clusters/{name}");
        cluster.MapGet("/", (string name) => fake.Cluster(name, () => Results.Json(fake.State())));
        cluster.MapPost("/masters", (string name) => fake.OperationAsync(name, () => Results.Json(new { nodeId = fake.AddMaster() })));
        cluster.MapPost("/replicas", (string name, string? masterId) => fake.OperationAsync(name, () => Results.Json(new { nodeId = fake.AddReplica(masterId) })));
        cluster.MapPost("/failover", (string name, string? nodeId) => fake.OperationAsync(name, () => fake.Failover(nodeId)));
        cluster.MapDelete("/nodes/{nodeId}", (string name, string nodeId) => fake.OperationAsync(name, () => fake.Remove(nodeId)));
        cluster.MapPost("/nodes/{nodeId}/restart", (string name, string nodeId) => fake.OperationAsync(name, () => Results.NoContent()));
        cluster.MapPost("/reset", (string name) => fake.OperationAsync(name, () =>
        {
            fake.CreateCluster();
            return Results.NoContent();
        }));
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        HoldOperations?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private object Status() => new
    {
        current = _current,
        waitForReplicas = 0,
        switching = (string?)null,
        available = s_topologies.Select(t => new { name = t.Name, description = "fake " + t.Name, cache = t.Cache, sticky = t.Name.EndsWith("sticky", StringComparison.Ordinal), nearCache = "none" }),
        lastSwitch = (object?)null,
        lastError = (string?)null,
    };

    private async Task<IResult> SwitchAsync(HttpRequest request)
    {
        using var body = await JsonDocument.ParseAsync(request.Body);
        var name = body.RootElement.TryGetProperty("name", out var n) ? n.GetString() : null;
        var topology = s_topologies.FirstOrDefault(t => t.Name == name);
        if (topology.Name is null)
        {
            return Results.Problem($"'{name}' is not a topology.", statusCode: 400, title: "Unknown topology");
        }

        lock (_lock)
        {
            Changes++;
            var from = _current;
            _current = topology.Name;
            if (topology.Cache == "Cluster" && _nodes.Count == 0)
            {
                CreateCluster();
            }

            // naive* gives each replica its own cache; every other topology shares one (or none).
            _storefront?.SwitchCaches(staleLastReplica: topology.Cache == "PerReplica");
            return Results.Json(new { from, to = _current, waitForReplicas = 0, elapsedMilliseconds = 1.0, steps = Array.Empty<object>() });
        }
    }

    private IResult Resources()
    {
        var names = new[] { "lb", "catalogapi", "webfrontend-0", "webfrontend-1", "webfrontend-2", "cache", "cache-naive-0", "cache-naive-1", "cache-naive-2", "cache-cluster", "loadgen" };
        return Results.Json(names.Select(n => new { name = n, type = "Fake", state = "Running", health = "Healthy", endpoints = Array.Empty<string>() }));
    }

    private IResult Cluster(string name, Func<IResult> answer)
    {
        if (name != "cache-cluster")
        {
            return Results.Problem($"No cluster '{name}'.", statusCode: 404, title: "No such cluster");
        }

        lock (_lock)
        {
            return _nodes.Count == 0 ? Results.Problem("The cluster is not started.", statusCode: 409, title: "Cluster not started") : answer();
        }
    }

    private async Task<IResult> OperationAsync(string name, Func<IResult> operation)
    {
        if (HoldOperations is { } hold)
        {
            await hold.Task;
        }

        lock (_lock)
        {
            Changes++;
        }

        return Cluster(name, operation);
    }

    private object State() => new
    {
        ok = true,
        slotsCovered = 16384,
        nodes = _nodes.OrderBy(n => n.MasterId is null ? 0 : 1).Select(n => new
        {
            id = n.Id,
            address = n.Address,
            role = n.MasterId is null ? "Master" : "Replica",
            masterId = n.MasterId,
            slots = n.Slots.Select(r => new { start = r.Start, end = r.End, count = r.End - r.Start + 1 }),
            slotCount = n.Slots.Sum(r => r.End - r.Start + 1),
            keys = 0,
            linkState = "connected",
            processId = 1000 + n.Port,
            failed = false,
        }),
    };

    private void CreateCluster()
    {
        _nodes.Clear();
        for (var i = 0; i < 3; i++)
        {
            _nodes.Add(NewNode(null));
        }

        Rebalance();
        foreach (var master in _nodes.ToList())
        {
            _nodes.Add(NewNode(master.Id));
        }
    }

    private string AddMaster()
    {
        var node = NewNode(null);
        _nodes.Add(node);
        Rebalance();
        return node.Id;
    }

    private string AddReplica(string? masterId)
    {
        var node = NewNode(masterId ?? _nodes.First(n => n.MasterId is null).Id);
        _nodes.Add(node);
        return node.Id;
    }

    private IResult Failover(string? nodeId)
    {
        var master = _nodes.First(n => n.MasterId is null && (nodeId is null || n.Id == nodeId));
        var replica = _nodes.First(n => n.MasterId == master.Id);
        _nodes.Remove(master);
        _nodes[_nodes.IndexOf(replica)] = replica with { MasterId = null, Slots = master.Slots };
        return Results.Json(new { killedNodeId = master.Id, promotedNodeId = replica.Id, elapsed = "00:00:02" });
    }

    private IResult Remove(string nodeId)
    {
        _nodes.RemoveAll(n => n.Id == nodeId || n.MasterId == nodeId);
        Rebalance();
        return Results.NoContent();
    }

    private Node NewNode(string? masterId)
    {
        var i = _nextNode++;
        return new Node(i.ToString("x40", System.Globalization.CultureInfo.InvariantCulture), 20000 + i, masterId, []);
    }

    private void Rebalance()
    {
        var masters = _nodes.Where(n => n.MasterId is null).ToList();
        for (var i = 0; i < masters.Count; i++)
        {
            var start = 16384 * i / masters.Count;
            var end = (16384 * (i + 1) / masters.Count) - 1;
            _nodes[_nodes.IndexOf(masters[i])] = masters[i] with { Slots = [(start, end)] };
        }
    }

    private sealed record Node(string Id, int Port, string? MasterId, IReadOnlyList<(int Start, int End)> Slots)
    {
        public string Address => "127.0.0.1:" + Port;
    }
}
