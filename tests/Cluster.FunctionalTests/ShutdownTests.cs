using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Cluster.FunctionalTests;

/// <summary>Self-healing must not outlive the app: its own app, stopped while a heal is under way.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AfterTheAppStopsNoRedisServerOfTheClusterIsLeftEvenWithAHealUnderWay()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var cluster = builder.AddRedisCluster("shutdown", masters: 3, replicasPerMaster: 1, spareNodes: 1).WithExplicitStart().Resource;
        var app = builder.Build();
        var stopped = false;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await app.StartAsync(timeout.Token);
            var operations = app.Services.GetRequiredService<RedisClusterOperations>();
            await operations.StartAsync(cluster.Name, timeout.Token);
            var failover = await operations.KillMasterAsync(cluster.Name, cancellationToken: timeout.Token);
            var state = await Healing.WaitForStateAsync(operations, cluster.Name,
                s => Healing.EveryMasterHasAReplica(s) && s.Nodes.Any(n => n.Id == failover.KilledNodeId && n.Role == ClusterNodeRole.Replica), "healed");
            Assert.Equal(6, Servers(cluster).Count);

            // A second death, and the app stops while healing answers it.
            using (var process = Process.GetProcessById(state.Replicas.First().ProcessId!.Value))
            {
                process.Kill();
            }

            await Healing.WaitForEventAsync(operations, cluster.Name, e => e.Step == "detected" && e.Time > DateTimeOffset.UtcNow.AddMinutes(-1) && e.Message.Contains("exit code -1", StringComparison.Ordinal));
            output.WriteLine(Healing.Describe(operations, cluster.Name));
            await app.StopAsync();
            await app.DisposeAsync();
            stopped = true;

            // DCP ends its processes some seconds after the app stops; bounded.
            var watch = Stopwatch.StartNew();
            while (Servers(cluster).Count > 0 && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(250);
            }

            Assert.Empty(Servers(cluster));
        }
        finally
        {
            if (!stopped)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The redis-server processes of this cluster: their working folder is a node folder in its data folder (the
    /// command line would not do: redis-server rewrites its process title).
    /// </summary>
    private static List<int> Servers(RedisClusterResource cluster)
    {
        var found = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
            {
                continue;
            }

            try
            {
                var name = File.ReadAllText(Path.Combine(folder, "comm")).Trim();
                var workingFolder = new DirectoryInfo(Path.Combine(folder, "cwd")).LinkTarget;
                if (name == "redis-server" && workingFolder is not null && workingFolder.StartsWith(cluster.DataDirectory, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while being looked at.
            }
        }

        return found;
    }
}
