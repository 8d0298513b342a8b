using System.Net;
using System.Net.Sockets;
using Dashboard;

namespace Hosting.FunctionalTests;

public class PortConflictTests
{
    [Fact]
    public async Task ATakenLoadBalancerPortIsAnErrorNamingThePortAndTheOption()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var state = Directory.CreateTempSubdirectory("apphost-port-");
        try
        {
            var builder = DistributedApplication.CreateBuilder(["--lb-port", $"{port}", "--state-dir", state.FullName, "--dashboard-port", "0"]);
            builder.Options.WriteResourceLogsToConsole = false;
            var echo = builder.AddProject("echo", "tests/TestServices/EchoService");
            builder.AddLoadBalancer("lb").WithReference(echo);
            await using var app = builder.Build();

            var ex = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync());
            Assert.Contains($"Port {port}", ex.Message, StringComparison.Ordinal);
            Assert.Contains("--lb-port", ex.Message, StringComparison.Ordinal);
            Assert.Null(app.ResourceNotifications.GetSnapshot("echo")!.Pid);
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ATakenDashboardPortIsAnErrorNamingThePortAndTheOption()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var state = Directory.CreateTempSubdirectory("apphost-port-");
        try
        {
            var builder = DistributedApplication.CreateBuilder(["--dashboard-port", $"{port}", "--state-dir", state.FullName]);
            builder.AddDashboard();
            await using var app = builder.Build();

            var ex = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync());
            Assert.Contains($"Port {port}", ex.Message, StringComparison.Ordinal);
            Assert.Contains("--dashboard-port", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }
}
