namespace Hosting.Testing;

/// <summary>
/// Builds the same app model as the AppHost for a test, like Aspire.Hosting.Testing: a temp state folder
/// (deleted on dispose), free ports everywhere (load balancers and dashboard included), and resource output kept
/// in the log buffers instead of the console.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    /// <summary>Creates a builder for a test; <paramref name="configure"/> may adjust the options.</summary>
    public static IDistributedApplicationBuilder Create(Action<DistributedApplicationOptions>? configure = null)
    {
        var options = new DistributedApplicationOptions
        {
            // Created by StartAsync, so a builder that is never built leaves nothing behind.
            StateDirectory = Path.Combine(Path.GetTempPath(), "apphost-test-" + Guid.NewGuid().ToString("N")[..12]),
            LoadBalancerPort = null,
            DashboardPort = 0,
            WriteResourceLogsToConsole = false,
            DeleteStateDirectoryOnDispose = true,
        };
        configure?.Invoke(options);
        return DistributedApplication.CreateBuilder(options);
    }
}
