using System.Globalization;
using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>The environment variables a replica gets, named as Aspire names them.</summary>
internal static class EnvironmentBuilder
{
    public static Dictionary<string, string> Build(IResource resource, int replica, DistributedApplicationOptions options, int dashboardPort)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var instanceId = $"{resource.Name}-{replica}";
        switch (resource)
        {
            case ProjectResource project:
                env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{project.Ports[replica]}";
                break;
            case ExecutableResource executable when executable.TryGetLastAnnotation<EndpointAnnotation>(out var endpoint) && endpoint.EnvironmentVariable is { } name:
                env[name] = executable.Ports[replica].ToString(CultureInfo.InvariantCulture);
                break;
        }
        env["APP_INSTANCE"] = instanceId;
        env["OTEL_SERVICE_NAME"] = resource.Name;
        env["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instanceId}";
        if (options.DashboardEnabled)
        {
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{dashboardPort}";
            env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            // The AppHost's own API (resources, topology) lives on the dashboard's host.
            env["services__apphost__http__0"] = $"http://127.0.0.1:{dashboardPort}";
        }

        foreach (var reference in resource.GetAnnotations<ResourceReferenceAnnotation>())
        {
            switch (reference.Resource)
            {
                case IResourceWithConnectionString withConnectionString:
                    env[$"ConnectionStrings__{reference.Resource.Name}"] = withConnectionString.GetConnectionString();
                    break;
                case IResourceWithServiceDiscovery:
                    var urls = GetHttpUrls(reference.Resource);
                    for (var i = 0; i < urls.Count; i++)
                    {
                        env[$"services__{reference.Resource.Name}__http__{i}"] = urls[i];
                    }
                    break;
            }
        }

        foreach (var variable in resource.GetAnnotations<EnvironmentAnnotation>())
        {
            env[variable.Name] = variable.Value;
        }
        return env;
    }

    /// <summary>One URL per replica for projects and executables; the frontend for a load balancer.</summary>
    public static IReadOnlyList<string> GetHttpUrls(IResource resource) => resource switch
    {
        ProjectResource project => [.. project.Ports.Select(Url)],
        ExecutableResource executable => [.. executable.Ports.Select(Url)],
        LoadBalancerResource lb => [Url(lb.Port)],
        _ => [],
    };

    private static string Url(int port) => $"http://127.0.0.1:{port}";
}
