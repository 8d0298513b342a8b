namespace Hosting.UnitTests;

/// <summary>Builders for model tests: nothing is started and no folder is created.</summary>
internal static class TestModel
{
    public const string EchoProject = "tests/TestServices/EchoService";

    public static IDistributedApplicationBuilder CreateBuilder(string? stateDirectory = null) =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            StateDirectory = stateDirectory ?? Path.Combine(Path.GetTempPath(), "apphost-unit-never-created-" + Guid.NewGuid().ToString("N")),
            LoadBalancerPort = null,
            DashboardPort = 0,
            WriteResourceLogsToConsole = false,
        });
}
