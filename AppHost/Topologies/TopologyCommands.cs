using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Scaleout.Integration;

namespace AppHost.Topologies;

/// <summary>One dashboard command per topology, on the load balancer: the same <see cref="TopologyController.SwitchAsync"/> the control API calls.</summary>
public static class TopologyCommands
{
    /// <summary>Adds <c>topology-{name}</c> for every topology (and <c>topology-cluster-wait1</c>: the cluster with WAIT 1).</summary>
    public static IResourceBuilder<ProjectResource> WithTopologyCommands(this IResourceBuilder<ProjectResource> lb)
    {
        var sossConfigured = ScaleOutStateServerConfiguration.IsConfigured(lb.ApplicationBuilder.Configuration);
        foreach (var topology in Topology.All)
        {
            // Without its hosts the soss topology is listed, disabled, saying how to enable it.
            var unavailable = topology.Cache == TopologyCache.Soss && !sossConfigured
                ? ScaleOutStateServerConfiguration.NotConfiguredReason(ResourceNames.Soss)
                : null;
            lb.WithCommand($"topology-{topology.Name}", $"Topology: {topology.Name}", context => SwitchAsync(context, topology, 0), new CommandOptions
            {
                Description = unavailable is null
                    ? $"{topology.Description}. Starts what it needs, empties the target caches, switches one replica at a time."
                    : $"Unavailable: {unavailable}",
                IconName = "ArrowSwap",
                UpdateState = context => unavailable is null && context.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Disabled,
            });
        }
        var cluster = Topology.Find("cluster")!;
        lb.WithCommand("topology-cluster-wait1", "Topology: cluster, WAIT 1", context => SwitchAsync(context, cluster, 1), new CommandOptions
        {
            Description = "The cluster, and every invalidation confirmed by one Redis replica (WAIT 1) before the write is acknowledged.",
            IconName = "ArrowSwap",
        });
        return lb;
    }

    /// <summary>Adds "Restart (drained)": the replica leaves the load balancer before it stops, so no request fails.</summary>
    public static IResourceBuilder<ProjectResource> WithDrainedRestartCommand(this IResourceBuilder<ProjectResource> replica)
        => replica.WithCommand("restart-drained", "Restart (drained)", async context =>
        {
            var controller = context.Services.GetRequiredService<TopologyController>();
            try
            {
                var elapsed = await controller.RestartReplicaAsync(context.ResourceName, context.CancellationToken).ConfigureAwait(false);
                return CommandResults.Success($"{context.ResourceName} restarted behind a drain in {elapsed.TotalSeconds:0.0} s");
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or HttpRequestException)
            {
                return CommandResults.Failure(ex.Message);
            }
        }, new CommandOptions
        {
            Description = "Drains the replica in the load balancer, restarts it, waits until it is healthy, enables it again.",
            IconName = "ArrowClockwise",
        });

    private static async Task<ExecuteCommandResult> SwitchAsync(ExecuteCommandContext context, Topology topology, int waitForReplicas)
    {
        var controller = context.Services.GetRequiredService<TopologyController>();
        try
        {
            var result = await controller.SwitchAsync(topology, waitForReplicas, context.CancellationToken).ConfigureAwait(false);
            return CommandResults.Success($"{result.From ?? "(start)"} → {result.To} in {result.ElapsedMilliseconds / 1000:0.0} s ({result.Steps.Count} steps; see the lb console log)");
        }
        catch (Exception ex) when (ex is TopologySwitchInProgressException or ArgumentException or InvalidOperationException or HttpRequestException or StackExchange.Redis.RedisException)
        {
            return CommandResults.Failure(ex.Message);
        }
    }
}
