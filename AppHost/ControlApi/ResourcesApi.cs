using Aspire.Hosting.ApplicationModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.ControlApi;

/// <summary><c>GET /api/resources</c>: every resource as Aspire's notification service knows it, what scripts and tests wait on.</summary>
public static class ResourcesApi
{
    /// <summary>Maps <c>GET /api/resources</c>.</summary>
    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder endpoints, IServiceProvider appHostServices)
    {
        var model = appHostServices.GetRequiredService<DistributedApplicationModel>();
        var notifications = appHostServices.GetRequiredService<ResourceNotificationService>();
        endpoints.MapGet("/api/resources", () => TypedResults.Ok(Describe(model, notifications)));
        return endpoints;
    }

    /// <summary>The resources, in the model's order.</summary>
    public static IReadOnlyList<ResourceInfo> Describe(DistributedApplicationModel model, ResourceNotificationService notifications)
    {
        var result = new List<ResourceInfo>();
        // Parameters and the resources Aspire hides (its per-project "-rebuilder" helpers) are not what a script waits on.
        foreach (var resource in model.Resources.Where(r => r is not ParameterResource))
        {
            if (!notifications.TryGetCurrentState(resource.Name, out var current))
            {
                result.Add(new ResourceInfo(resource.Name, resource.GetType().Name, null, null, []));
                continue;
            }
            var snapshot = current.Snapshot;
            if (snapshot.IsHidden)
            {
                continue;
            }
            result.Add(new ResourceInfo(
                resource.Name,
                snapshot.ResourceType,
                snapshot.State?.Text,
                snapshot.HealthStatus?.ToString(),
                [.. snapshot.Urls.Where(u => !u.IsInternal).Select(u => u.Url)]));
        }
        return result;
    }
}

/// <summary>One resource in <c>GET /api/resources</c>.</summary>
/// <param name="Name">The resource name (<c>webfrontend-0</c>).</param>
/// <param name="Type">Its type as the dashboard shows it (<c>Project</c>, <c>Executable</c>, ...).</param>
/// <param name="State">Its state (<c>Running</c>, <c>NotStarted</c>, <c>Finished</c>, ...), null before it has one.</param>
/// <param name="Health">Its health (<c>Healthy</c>, <c>Unhealthy</c>), null when it has no health check or is not running.</param>
/// <param name="Endpoints">Its URLs.</param>
public sealed record ResourceInfo(string Name, string? Type, string? State, string? Health, IReadOnlyList<string> Endpoints);
