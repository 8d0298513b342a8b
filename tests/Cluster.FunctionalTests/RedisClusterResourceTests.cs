using Hosting;
using Hosting.Cluster;
using Hosting.Testing;

namespace Cluster.FunctionalTests;

/// <summary>The cluster as an app model resource: what the AppHost and its dashboard see.</summary>
public sealed class RedisClusterResourceTests
{
    [Fact]
    public async Task AClusterResourceInjectsItsConnectionStringAndListsEveryNodeInTheDashboard()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var cluster = builder.AddRedisCluster("cache", masters: 3, replicasPerMaster: 1);
        builder.AddExecutable("client", "/bin/sleep", ".", "600").WithReference(cluster).WaitFor(cluster);
        List<int> pids;
        await using (var app = builder.Build())
        {
            await app.StartAsync();
            await app.ResourceNotifications.WaitForResourceHealthyAsync("client").WaitAsync(TimeSpan.FromSeconds(60));

            var connectionString = await app.GetConnectionStringAsync("cache");
            Assert.Equal(connectionString, app.GetEnvironmentVariables("client")["ConnectionStrings__cache"]);
            Assert.Equal(7, connectionString.Split(',').Length);
            var manager = app.GetRedisCluster("cache");
            var state = await manager.GetStateAsync();
            Assert.True(state.Ok);

            await manager.AddMasterAsync();

            var nodes = await WaitForSnapshotsAsync(app, "cache", count: 7, ResourceState.Healthy);
            Assert.All(nodes, n => Assert.NotNull(n.Pid));
            Assert.Equal(4, nodes.Count(n => n.Message!.Contains("master", StringComparison.Ordinal) && n.Message.Contains("slots", StringComparison.Ordinal)));
            pids = [.. nodes.Select(n => n.Pid!.Value)];
        }

        Assert.DoesNotContain(System.Diagnostics.Process.GetProcessesByName("redis-server"), p => pids.Contains(p.Id));
    }

    [Fact]
    public void AClusterWithTooFewMastersIsRefusedWithTheReason()
    {
        var builder = DistributedApplicationTestingBuilder.Create();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddRedisCluster("cache", masters: 2));

        Assert.Contains("at least 3 masters", error.Message);
    }

    [Fact]
    public async Task AMissingRedisServerIsAClearError()
    {
        await using var cluster = new RedisClusterManager(new RedisClusterOptions { RedisServerPath = "/nonexistent/redis-server" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.CreateAsync());

        Assert.Contains("RedisServerPath", error.Message);
    }

    private static async Task<List<ResourceSnapshot>> WaitForSnapshotsAsync(DistributedApplication app, string name, int count, ResourceState state)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var _ in app.ResourceNotifications.WatchAsync(timeout.Token))
        {
            var nodes = app.ResourceNotifications.GetSnapshots().Where(s => s.Name == name && s.State == state).ToList();
            if (nodes.Count == count && nodes.Count(n => n.Message!.Contains("slots", StringComparison.Ordinal)) == 4)
            {
                return nodes;
            }
        }

        throw new TimeoutException($"'{name}' did not list {count} {state} nodes.");
    }
}
