using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Scaleout.Integration.Tests;

/// <summary>The resource inside a real, headless Aspire app (DCP, no dashboard), as the AppHost runs it.</summary>
[Collection(StandInClusterCollection.Name)]
public class RealAppTests(StandInCluster cluster)
{
    [Fact]
    public async Task AStartedAppShowsSossRunningAndHealthyAgainstARedisClusterStandingInForSoss()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [],
            DisableDashboard = true,
            AssemblyName = typeof(RealAppTests).Assembly.GetName().Name,
        });
        builder.Configuration["Parameters:soss-hosts"] = cluster.Hosts;
        builder.Configuration["Parameters:soss-password"] = cluster.Password;
        builder.AddScaleOutStateServer();

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
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }
}
