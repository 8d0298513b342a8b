using Aspire.Hosting.ApplicationModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>
/// The cluster operations over HTTP, for the AppHost's control API, LoadGen and scripts:
/// <c>GET /api/clusters/{name}</c> (state), <c>GET .../events</c>, <c>POST .../masters</c>, <c>POST .../replicas[?masterId=]</c>,
/// <c>DELETE .../nodes/{nodeId}</c>, <c>POST .../failover[?nodeId=][&amp;restart=fail]</c>, <c>POST .../nodes/{nodeId}/restart</c>, <c>POST .../reset</c>.
/// Each call returns when the operation is done. Errors are ProblemDetails: 404 unknown cluster or node, 409 an
/// operation running or the cluster not started, 400 bad input, 504 the nodes did not settle.
/// </summary>
public static class RedisClusterApi
{
    /// <summary>Maps the cluster API onto the <see cref="RedisClusterOperations"/> of <paramref name="services"/> (the AppHost's <c>app.Services</c>).</summary>
    public static IEndpointRouteBuilder MapRedisClusterApi(this IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(services);
        var operations = services.GetRequiredService<RedisClusterOperations>();
        var api = endpoints.MapGroup("/api/clusters/{name}");
        api.MapGet("/", (string name, CancellationToken ct) => RunAsync(async () => TypedResults.Ok(await operations.GetStateAsync(name, ct))));
        api.MapGet("/events", (string name) => RunAsync(() => Task.FromResult(TypedResults.Ok(operations.GetRecentEvents(name)))));
        api.MapPost("/masters", (string name, CancellationToken ct) => RunAsync(async () => TypedResults.Ok(new ClusterNodeCreated(await operations.AddMasterAsync(name, ct)))));
        api.MapPost("/replicas", (string name, string? masterId, CancellationToken ct) => RunAsync(async () => TypedResults.Ok(new ClusterNodeCreated(await operations.AddReplicaAsync(name, masterId, ct)))));
        api.MapDelete("/nodes/{nodeId}", (string name, string nodeId, CancellationToken ct) => RunAsync(async () =>
        {
            await operations.RemoveNodeAsync(name, nodeId, ct);
            return TypedResults.NoContent();
        }));
        api.MapPost("/failover", (string name, string? nodeId, string? restart, CancellationToken ct) => RunAsync(async () =>
            TypedResults.Ok(await operations.KillMasterAsync(name, nodeId, ParseRestart(restart), ct))));
        api.MapPost("/nodes/{nodeId}/restart", (string name, string nodeId, CancellationToken ct) => RunAsync(async () =>
        {
            await operations.RestartNodeAsync(name, nodeId, ct);
            return TypedResults.NoContent();
        }));
        api.MapPost("/reset", (string name, CancellationToken ct) => RunAsync(async () =>
        {
            await operations.ResetAsync(name, ct);
            return TypedResults.NoContent();
        }));
        return endpoints;
    }

    /// <summary><c>?restart=fail</c>: fault injection, the killed node's restart fails (its node file is corrupted).</summary>
    private static KillMasterFault ParseRestart(string? restart) => restart?.Trim().ToLowerInvariant() switch
    {
        null or "" or "ok" => KillMasterFault.None,
        "fail" => KillMasterFault.RestartFails,
        _ => throw new ArgumentException($"restart='{restart}' is not known: leave it out (the node can be restarted), or restart=fail (fault injection: its node file is corrupted, so a spare must take its place).", nameof(restart)),
    };

    private static async Task<Results<T, ProblemHttpResult>> RunAsync<T>(Func<Task<T>> operation)
        where T : IResult
    {
        try
        {
            return await operation();
        }
        catch (KeyNotFoundException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound, title: "No such cluster or node");
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
