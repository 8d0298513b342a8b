using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace AppHost.Topologies;

/// <summary>
/// <c>GET /api/topology</c> (current and available) and <c>PUT /api/topology</c>
/// <c>{ "name": "cluster", "waitForReplicas": 0 }</c> (switches; answers the steps; 400 unknown, 409 while switching).
/// </summary>
public static class TopologyApi
{
    /// <summary>Maps the topology endpoints.</summary>
    public static IEndpointRouteBuilder MapTopologyApi(this IEndpointRouteBuilder endpoints, TopologyController controller)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(controller);
        endpoints.MapGet("/api/topology", () => TypedResults.Ok(controller.GetStatus()));
        endpoints.MapPut("/api/topology", (TopologyRequest? request, CancellationToken cancellationToken) => SwitchAsync(controller, request, cancellationToken));
        endpoints.MapPost("/api/replicas/{name}/restart", (string name, CancellationToken cancellationToken) => RestartReplicaAsync(name, controller, cancellationToken));
        return endpoints;
    }

    private static async Task<Results<Ok<ReplicaRestart>, ProblemHttpResult>> RestartReplicaAsync(string name, TopologyController controller, CancellationToken cancellationToken)
    {
        try
        {
            var elapsed = await controller.RestartReplicaAsync(name, cancellationToken);
            return TypedResults.Ok(new ReplicaRestart(name, Math.Round(elapsed.TotalMilliseconds, 1)));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound, title: "Unknown replica");
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway, title: $"Restarting {name} failed");
        }
    }

    private static async Task<Results<Ok<TopologySwitch>, ProblemHttpResult>> SwitchAsync(TopologyController controller, TopologyRequest? request, CancellationToken cancellationToken)
    {
        if (Topology.Find(request?.Name) is not { } topology)
        {
            return TypedResults.Problem(
                $"'{request?.Name}' is not a topology. Send {{ \"name\": \"...\" }} with one of: {Topology.Names}.",
                statusCode: StatusCodes.Status400BadRequest, title: "Unknown topology");
        }
        if (controller.GetStatus().Switching is { } target)
        {
            return TypedResults.Problem($"A switch to '{target}' is in progress; try again when it is done.", statusCode: StatusCodes.Status409Conflict, title: "A switch is in progress");
        }
        try
        {
            // A switch runs to its end even if the caller goes away: half-switched replicas would be worse.
            return TypedResults.Ok(await controller.SwitchAsync(topology, request!.WaitForReplicas ?? 0, CancellationToken.None).WaitAsync(cancellationToken));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid topology option");
        }
        catch (TopologySwitchInProgressException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "A switch is in progress");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway, title: $"Switching to {topology.Name} failed");
        }
    }
}

/// <summary>The answer of <c>POST /api/replicas/{name}/restart</c>.</summary>
/// <param name="Name">The replica.</param>
/// <param name="ElapsedMilliseconds">Drain, restart, healthy, enabled.</param>
public sealed record ReplicaRestart(string Name, double ElapsedMilliseconds);
