using System.Net;
using System.Security.Cryptography;
using System.Text;
using LoadBalancer;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// What the AppHost's topology controller calls: the replicas with their health, drain and enable one, switch cookie
/// affinity. Loopback callers with the AppHost's token only (<c>X-Admin-Token</c> = env <c>ADMIN_TOKEN</c>).
/// </summary>
public static class AdminApi
{
    /// <summary>Maps <c>/_lb/replicas</c>, <c>/_lb/replicas/{name}/drain|enable</c> and <c>/_lb/affinity</c>.</summary>
    public static IEndpointRouteBuilder MapLoadBalancerAdminApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var token = endpoints.ServiceProvider.GetRequiredService<IConfiguration>()["ADMIN_TOKEN"];
        var group = endpoints.MapGroup("/_lb").AddEndpointFilter((context, next) => Authorize(context.HttpContext, token) ?? next(context));
        group.MapGet("/replicas", GetReplicas);
        group.MapPost("/replicas/{name}/drain", DrainAsync);
        group.MapPost("/replicas/{name}/enable", Enable);
        group.MapPut("/affinity", SetAffinity);
        return endpoints;
    }

    private static ValueTask<object?>? Authorize(HttpContext context, string? token)
    {
        if (context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
        {
            return ValueTask.FromResult<object?>(TypedResults.Problem("The admin API answers loopback callers only.", statusCode: StatusCodes.Status403Forbidden));
        }
        var sent = context.Request.Headers["X-Admin-Token"].ToString();
        if (string.IsNullOrEmpty(token)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(token)))
        {
            return ValueTask.FromResult<object?>(TypedResults.Problem(
                "Send the AppHost's admin token in X-Admin-Token (the load balancer's ADMIN_TOKEN).", statusCode: StatusCodes.Status401Unauthorized));
        }
        return null;
    }

    private static Ok<LoadBalancerStatus> GetReplicas(IProxyStateLookup proxy, ProxyConfiguration configuration, ReplicaDrain drain)
        => TypedResults.Ok(Status(proxy, configuration, drain));

    private static async Task<Results<Ok<LoadBalancerReplica>, NotFound<ProblemDetails>>> DrainAsync(
        string name, IProxyStateLookup proxy, ProxyConfiguration configuration, ReplicaDrain drain, IOptions<LoadBalancerOptions> options, CancellationToken cancellationToken)
    {
        if (!drain.Exists(name))
        {
            return UnknownReplica(name, configuration);
        }
        await drain.DrainAsync(name, options.Value.DrainTimeout, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Status(proxy, configuration, drain).Replicas.First(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase)));
    }

    private static Results<Ok<LoadBalancerReplica>, NotFound<ProblemDetails>> Enable(string name, IProxyStateLookup proxy, ProxyConfiguration configuration, ReplicaDrain drain)
    {
        if (!drain.Exists(name))
        {
            return UnknownReplica(name, configuration);
        }
        drain.Enable(name);
        return TypedResults.Ok(Status(proxy, configuration, drain).Replicas.First(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase)));
    }

    private static Ok<LoadBalancerStatus> SetAffinity(AffinityRequest request, IProxyStateLookup proxy, ProxyConfiguration configuration, ReplicaDrain drain)
    {
        configuration.SetSessionAffinity(request.Enabled);
        return TypedResults.Ok(Status(proxy, configuration, drain));
    }

    private static NotFound<ProblemDetails> UnknownReplica(string name, ProxyConfiguration configuration)
        => TypedResults.NotFound(new ProblemDetails
        {
            Title = "Unknown replica",
            Detail = $"'{name}' is not a replica of this load balancer; it balances over {string.Join(", ", configuration.Replicas)}.",
            Status = StatusCodes.Status404NotFound,
        });

    private static LoadBalancerStatus Status(IProxyStateLookup proxy, ProxyConfiguration configuration, ReplicaDrain drain)
    {
        var destinations = proxy.TryGetCluster(ProxyConfiguration.ClusterId, out var cluster)
            ? cluster.Destinations.Values.ToList()
            : [];
        var replicas = configuration.Replicas.Select(name =>
        {
            var destination = destinations.FirstOrDefault(d => ReplicaDrain.ReplicaOf(d).Equals(name, StringComparison.OrdinalIgnoreCase));
            return new LoadBalancerReplica(
                name,
                destination?.Model.Config.Address,
                destination?.Health.Active.ToString() ?? "Unresolved",
                destination?.Health.Passive.ToString() ?? "Unresolved",
                drain.IsDrained(name),
                drain.InFlight(name));
        }).ToList();
        return new LoadBalancerStatus(configuration.SessionAffinity, replicas);
    }
}

/// <summary>The body of <c>PUT /_lb/affinity</c>.</summary>
/// <param name="Enabled">Cookie affinity on or off.</param>
public sealed record AffinityRequest(bool Enabled);

/// <summary>The answer of <c>GET /_lb/replicas</c>.</summary>
/// <param name="SessionAffinity">Whether cookie affinity is on.</param>
/// <param name="Replicas">Each replica.</param>
public sealed record LoadBalancerStatus(bool SessionAffinity, IReadOnlyList<LoadBalancerReplica> Replicas);

/// <summary>One replica as the load balancer sees it.</summary>
/// <param name="Name">The service name (<c>webfrontend-0</c>).</param>
/// <param name="Address">The address service discovery resolved, or null before it did.</param>
/// <param name="Active">The active health check's verdict (<c>Unknown</c>, <c>Healthy</c>, <c>Unhealthy</c>).</param>
/// <param name="Passive">The passive health check's verdict.</param>
/// <param name="Drained">Whether it is out of the rotation.</param>
/// <param name="InFlight">Requests forwarded to it and not answered yet.</param>
public sealed record LoadBalancerReplica(string Name, string? Address, string Active, string Passive, bool Drained, int InFlight);
