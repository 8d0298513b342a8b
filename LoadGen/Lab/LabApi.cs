using LoadGen.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LoadGen.Lab;

/// <summary>
/// The lab page's API under <c>/api/lab</c>: its state, the timeline (points and markers), the table per topology,
/// the diagram, and the actions (switch, cluster operations) forwarded to the AppHost's control API.
/// </summary>
public static class LabApi
{
    /// <summary>Maps the lab endpoints.</summary>
    public static IEndpointRouteBuilder MapLabApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/lab").WithTags("Lab");
        api.MapGet("/state", GetState);
        api.MapGet("/timeline", GetTimeline);
        api.MapGet("/table", (LabRecorder recorder) => TypedResults.Ok(recorder.Table()));
        api.MapGet("/diagram", async (LabService lab, CancellationToken ct) => TypedResults.Ok(await lab.GetDiagramAsync(ct)));
        api.MapPut("/topology", SwitchTopologyAsync);
        api.MapPost("/cluster/{operation}", RunClusterOperationAsync);
        return app;
    }

    /// <summary>What the page's controls need: the load's state and workload, the topology, the action in progress.</summary>
    public static async Task<Ok<LabState>> GetState(LoadService load, LabService lab, Telemetry.TopologyTracker topology, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> available = [];
        string? switching = null;
        string? controlError = null;
        if (lab.Control.IsConfigured)
        {
            var status = await lab.Control.GetTopologyAsync(cancellationToken);
            if (status.IsSuccess && status.Body is { } body)
            {
                available = LabService.TopologyNames(body);
                switching = TopologyDiagram.String(body, "switching");
            }
            else
            {
                controlError = status.Describe();
            }
        }
        else
        {
            controlError = ControlResponse.NotConfigured.Describe();
        }

        var live = load.GetStats(0);
        return TypedResults.Ok(new LabState(
            load.IsRunning,
            live.State.ToString().ToLowerInvariant(),
            load.IsRunning && live.Workload is { } running ? running : load.Defaults,
            topology.Current,
            switching,
            available,
            lab.Running,
            lab.Control.BaseUrl?.ToString(),
            controlError,
            lab.ClusterName,
            LabService.OperationNames));
    }

    /// <summary>The last <paramref name="seconds"/> seconds (default 300) of points and markers.</summary>
    public static Results<Ok<LabTimeline>, ValidationProblem> GetTimeline(LabRecorder recorder, int? seconds)
    {
        if (seconds is < 1 or > LabRecorder.HistorySeconds)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["seconds"] = [$"Between 1 and {LabRecorder.HistorySeconds}."] });
        }

        var (points, markers) = recorder.Window(seconds ?? 300);
        return TypedResults.Ok(new LabTimeline(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), points, markers));
    }

    /// <summary><c>PUT /api/lab/topology { "name": "cluster" }</c>: checked here, then switched by the AppHost.</summary>
    public static async Task<IResult> SwitchTopologyAsync(LabTopologyRequest? request, LabService lab, CancellationToken cancellationToken) =>
        ToResult(await lab.SwitchTopologyAsync(request?.Name, request?.WaitForReplicas, cancellationToken), "Topology switch");

    /// <summary><c>POST /api/lab/cluster/{operation}?nodeId=</c>: add-master, add-replica, remove-node, kill-master, restart-node, reset.</summary>
    public static async Task<IResult> RunClusterOperationAsync(string operation, string? nodeId, LabService lab, CancellationToken cancellationToken) =>
        ToResult(await lab.RunClusterOperationAsync(operation, nodeId, cancellationToken), "Cluster operation");

    private static IResult ToResult(LabResult result, string what)
    {
        if (result.Status == StatusCodes.Status200OK)
        {
            return result.Body is { } body ? TypedResults.Ok(body) : TypedResults.Ok();
        }

        if (result.Field is { } field)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [result.Message!] }, title: $"{what}: invalid request");
        }

        var title = result.Status switch
        {
            StatusCodes.Status409Conflict => $"{what}: another action is in progress",
            StatusCodes.Status503ServiceUnavailable => $"{what}: the AppHost's control API is not available",
            _ => $"{what} failed",
        };
        return TypedResults.Problem(result.Message, statusCode: result.Status, title: title);
    }
}

/// <summary>The body of <c>PUT /api/lab/topology</c>.</summary>
/// <param name="Name">The topology.</param>
/// <param name="WaitForReplicas">Cluster topologies: replicas that must confirm each invalidation (WAIT).</param>
public sealed record LabTopologyRequest(string? Name, int? WaitForReplicas);

/// <summary>The answer of <c>GET /api/lab/timeline</c>.</summary>
/// <param name="Now">The server's time (Unix ms), so the charts' window does not depend on the browser's clock.</param>
/// <param name="Points">One per second, oldest first.</param>
/// <param name="Markers">Switches and operations in the window (and any still running).</param>
public sealed record LabTimeline(long Now, IReadOnlyList<TimelinePoint> Points, IReadOnlyList<LabMarker> Markers);

/// <summary>The answer of <c>GET /api/lab/state</c>.</summary>
/// <param name="LoadRunning">A load runs.</param>
/// <param name="LoadState"><c>idle</c>, <c>warmup</c>, <c>running</c>, <c>stopped</c>, <c>completed</c>.</param>
/// <param name="Workload">The running workload, else the default one.</param>
/// <param name="Topology">The current topology.</param>
/// <param name="Switching">The target of a switch in progress on the AppHost, or null.</param>
/// <param name="Topologies">The topologies the AppHost knows.</param>
/// <param name="Running">The page's action in progress, or null.</param>
/// <param name="ControlApi">The control API's URL, or null.</param>
/// <param name="ControlError">Why switches and operations are not available, or null.</param>
/// <param name="Cluster">The cluster the operations act on.</param>
/// <param name="Operations">The cluster operations' names.</param>
public sealed record LabState(
    bool LoadRunning,
    string LoadState,
    Workloads.Workload Workload,
    string Topology,
    string? Switching,
    IReadOnlyList<string> Topologies,
    string? Running,
    string? ControlApi,
    string? ControlError,
    string Cluster,
    IReadOnlyList<string> Operations);
