using Hosting.Cluster;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Hosting;

/// <summary>
/// The cluster operations over HTTP, for the dashboard's buttons and for scripts:
/// <c>GET /api/clusters/{name}</c> (state), <c>GET .../events</c>, <c>POST .../masters</c>, <c>POST .../replicas</c>,
/// <c>DELETE .../nodes/{nodeId}</c>, <c>POST .../failover</c>, <c>POST .../nodes/{nodeId}/restart</c>, <c>POST .../reset</c>.
/// Each call returns when the operation is done; bad input answers ProblemDetails.
/// </summary>
public static class RedisClusterApi
{
    /// <summary>Maps the cluster API for every <see cref="RedisClusterResource"/> of <paramref name="application"/>.</summary>
    public static IEndpointRouteBuilder MapRedisClusterApi(this IEndpointRouteBuilder endpoints, DistributedApplication application)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(application);
        var api = endpoints.MapGroup("/api/clusters/{name}");
        api.MapGet("/", (string name, CancellationToken ct) => RunAsync(application, name, async m => TypedResults.Ok(await m.GetStateAsync(ct))));
        api.MapGet("/events", (string name) => RunAsync(application, name, m => Task.FromResult(TypedResults.Ok(m.RecentEvents))));
        api.MapPost("/masters", (string name, CancellationToken ct) => RunAsync(application, name, async m => TypedResults.Ok(new ClusterNodeCreated(await m.AddMasterAsync(ct)))));
        api.MapPost("/replicas", (string name, string? masterId, CancellationToken ct) => RunAsync(application, name, async m => TypedResults.Ok(new ClusterNodeCreated(await m.AddReplicaAsync(masterId, ct)))));
        api.MapDelete("/nodes/{nodeId}", (string name, string nodeId, CancellationToken ct) => RunAsync(application, name, async m =>
        {
            await m.RemoveNodeAsync(nodeId, ct);
            return TypedResults.NoContent();
        }));
        api.MapPost("/failover", (string name, string? nodeId, CancellationToken ct) => RunAsync(application, name, async m => TypedResults.Ok(await m.KillMasterAsync(nodeId, ct))));
        api.MapPost("/nodes/{nodeId}/restart", (string name, string nodeId, CancellationToken ct) => RunAsync(application, name, async m =>
        {
            await m.RestartNodeAsync(nodeId, ct);
            return TypedResults.NoContent();
        }));
        api.MapPost("/reset", (string name, CancellationToken ct) => RunAsync(application, name, async m =>
        {
            await m.ResetAsync(ct);
            return TypedResults.NoContent();
        }));
        return endpoints;
    }

    private static async Task<Results<T, ProblemHttpResult>> RunAsync<T>(DistributedApplication application, string name, Func<RedisClusterManager, Task<T>> operation)
        where T : IResult
    {
        RedisClusterManager manager;
        try
        {
            manager = application.GetRedisCluster(name);
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound, title: "No such cluster");
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "Cluster not started");
        }

        try
        {
            return await operation(manager);
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid cluster operation");
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "The cluster cannot do that now");
        }
        catch (TimeoutException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status504GatewayTimeout, title: "The cluster did not settle");
        }
    }
}
