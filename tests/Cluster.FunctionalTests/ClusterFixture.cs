using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.FunctionalTests;

/// <summary>
/// One app for the collection, built in the test: <c>hot</c>, a 3+3 cluster with 2 spare nodes started through its
/// Start command (as the AppHost starts a cluster topology), self-healing on (the default); <c>manual</c>, 3+3 with
/// no spare and self-healing off, started by the first test that needs it; and <c>cold</c>, a cluster that is never
/// started. Tests that change a cluster reset it first, so each sees 3 masters + 3 replicas whatever ran before.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string Hot = "hot";
    public const string Cold = "cold";
    public const string Manual = "manual";

    public DistributedApplication App { get; private set; } = null!;

    public RedisClusterOperations Operations => App.Services.GetRequiredService<RedisClusterOperations>();

    public RedisClusterResource HotCluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        HotCluster = builder.AddRedisCluster(Hot, masters: 3, replicasPerMaster: 1, spareNodes: 2).WithExplicitStart().Resource;
        builder.AddRedisCluster(Cold, masters: 3, replicasPerMaster: 0, spareNodes: 0).WithExplicitStart();
        builder.AddRedisCluster(Manual, masters: 3, replicasPerMaster: 1, spareNodes: 0).WithExplicitStart().WithSelfHealing(false);
        App = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await App.StartAsync(timeout.Token);

        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        var started = await commands.ExecuteCommandAsync(HotCluster, KnownResourceCommands.StartCommand, timeout.Token);
        if (!started.Success)
        {
            throw new InvalidOperationException($"The cluster did not start: {started.Message}{Environment.NewLine}{string.Join(Environment.NewLine, Operations.GetRecentEvents(Hot).Select(e => $"{e.Operation} [{e.Step}] {e.Message}"))}");
        }

        await App.ResourceNotifications.WaitForResourceHealthyAsync(Hot, timeout.Token);
    }

    /// <summary>
    /// Back to 3 masters + 3 replicas, empty, on the initial nodes. A heal that a test's kill started may still be
    /// running (the cluster answers "busy"): the reset waits for it, bounded.
    /// </summary>
    public async Task ResetAsync(string cluster = Hot)
    {
        if (cluster == Manual)
        {
            await Operations.StartAsync(Manual);
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Operations.ResetAsync(cluster);
                return;
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("busy", StringComparison.Ordinal) && attempt < 600)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The node resource of <paramref name="cluster"/> that listens on <paramref name="port"/>.</summary>
    public RedisClusterNodeResource Node(string cluster, int port) =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<RedisClusterResource>().Single(c => c.Name == cluster).Nodes.Single(n => n.Port == port);

    public async Task<string> ConnectionStringAsync(string cluster = Hot) => (await App.GetConnectionStringAsync(cluster))!;

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
