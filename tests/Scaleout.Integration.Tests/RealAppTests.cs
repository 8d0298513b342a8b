using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Scaleout.Integration.Tests;

/// <summary>The resource inside a real, headless Aspire app (DCP, no dashboard), as the AppHost runs it.</summary>
[Collection(StandInClusterCollection.Name)]
public class RealAppTests(StandInCluster cluster)
{
    [Fact]
    public async Task AStartedAppShowsSossHealthyAndHandsItsConnectionStringToAReferencingServiceAgainstARedisClusterStandingInForSoss()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [],
            DisableDashboard = true,
            AssemblyName = typeof(RealAppTests).Assembly.GetName().Name,
        });
        builder.Configuration["Parameters:soss-hosts"] = cluster.Hosts;
        builder.Configuration["Parameters:soss-password"] = cluster.Password;
        var soss = builder.AddScaleOutStateServer();

        // Stands in for a web replica: what WithReference(soss) hands a service, written where the test can read it.
        var folder = Directory.CreateTempSubdirectory("soss-reference-");
        builder.AddExecutable("probe", "sh", folder.FullName, "-c", "printenv ConnectionStrings__soss > connection-string.txt")
            .WithReference(soss);

        await using var app = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await app.StartAsync(timeout.Token);
        try
        {
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            var healthy = await notifications.WaitForResourceHealthyAsync("soss", timeout.Token);

            // What the dashboard shows for it: an external resource, running, with its endpoints.
            var snapshot = healthy.Snapshot;
            Assert.Equal("ScaleOutStateServer", snapshot.ResourceType);
            Assert.Equal(KnownResourceStates.Running, snapshot.State?.Text);
            Assert.Equal(cluster.Nodes.Take(3).Select(n => $"redis://{n.EndPoint}"), snapshot.Urls.Select(u => u.Url));

            await notifications.WaitForResourceAsync("probe", KnownResourceStates.TerminalStates, timeout.Token);
            Assert.Equal(
                $"{cluster.Hosts},password={cluster.Password}",
                (await File.ReadAllTextAsync(Path.Combine(folder.FullName, "connection-string.txt"), timeout.Token)).Trim());
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            folder.Delete(recursive: true);
        }
    }
}
