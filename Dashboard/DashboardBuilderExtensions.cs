using Hosting;

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
}
