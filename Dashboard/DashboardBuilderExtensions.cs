using Hosting;
using Microsoft.AspNetCore.Routing;

namespace Dashboard;

/// <summary>Adds the dashboard (JSON API and OTLP receiver) to an application, as Aspire's AppHost does by default.</summary>
public static class DashboardBuilderExtensions
{
    /// <summary>
    /// Serves the dashboard on 127.0.0.1:<c>--dashboard-port</c> (18888 by default, a free port in tests) and points
    /// every project's OTLP exporter at it.
    /// </summary>
    public static IDistributedApplicationBuilder AddDashboard(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Options.DashboardEnabled)
        {
            throw new InvalidOperationException("The dashboard was already added.");
        }
        builder.Options.DashboardEnabled = true;
        // First in the run loop: it is up before the services start exporting, and stops after them.
        builder.Processors.Insert(0, new DashboardProcessor());
        return builder;
    }

    /// <summary>
    /// Serves more endpoints on the dashboard's host (e.g. the AppHost's topology API), mapped when it starts.
    /// Call after <see cref="AddDashboard"/>.
    /// </summary>
    public static IDistributedApplicationBuilder MapDashboardEndpoints(this IDistributedApplicationBuilder builder, Action<IEndpointRouteBuilder, DistributedApplication> map)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(map);
        var dashboard = builder.Processors.OfType<DashboardProcessor>().SingleOrDefault()
            ?? throw new InvalidOperationException("Add the dashboard (builder.AddDashboard()) before mapping endpoints on it.");
        dashboard.EndpointMappers.Add(map);
        return builder;
    }
}
