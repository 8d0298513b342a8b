using Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dashboard;

/// <summary><c>GET /api/resources</c>: the state of every replica, for scripts and tests.</summary>
public static class ResourceApi
{
    /// <summary>Maps the resource API onto the dashboard host.</summary>
    public static IEndpointRouteBuilder MapResourceApi(this IEndpointRouteBuilder endpoints, DistributedApplication application)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(application);
        endpoints.MapGet("/api/resources", () => TypedResults.Ok(GetResources(application)));
        return endpoints;
    }

    /// <summary>One entry per replica, ordered by name and replica.</summary>
    public static IReadOnlyList<ResourceInfo> GetResources(DistributedApplication application)
    {
        ArgumentNullException.ThrowIfNull(application);
        return [.. application.ResourceNotifications.GetSnapshots().Select(s => new ResourceInfo(
            s.Name, s.ResourceType, s.Replica, s.State.ToString(), s.Health, s.Pid, s.Endpoints, s.Restarts, s.ExitCode, s.Message))];
    }
}
