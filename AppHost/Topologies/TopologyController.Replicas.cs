using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Topologies;

public sealed partial class TopologyController
{
    /// <summary>
    /// Restarts web replica <paramref name="replica"/> without failing a request: drain it in the load balancer
    /// (returns once it serves nothing), restart it through Aspire's restart command, wait until the new process is
    /// healthy, enable it again. Behind the replicas' "Restart (drained)" command and <c>POST /api/replicas/{name}/restart</c>.
    /// </summary>
    public async Task<TimeSpan> RestartReplicaAsync(string replica, CancellationToken cancellationToken = default)
    {
        if (!Enumerable.Range(0, ResourceNames.WebReplicas).Select(ResourceNames.WebFrontend).Contains(replica))
        {
            throw new ArgumentException($"'{replica}' is not a web replica: one of {string.Join(", ", Enumerable.Range(0, ResourceNames.WebReplicas).Select(ResourceNames.WebFrontend))}.", nameof(replica));
        }
        var clock = Stopwatch.StartNew();
        var log = loggers.GetLogger(Resource(ResourceNames.LoadBalancer));
        var lb = new LoadBalancerAdmin(_http, Endpoint(ResourceNames.LoadBalancer), await AdminTokenAsync(cancellationToken).ConfigureAwait(false));
        var before = notifications.TryGetCurrentState(replica, out var current) ? current.Snapshot.StartTimeStamp : null;
        var inFlight = await lb.DrainAsync(replica, cancellationToken).ConfigureAwait(false);
        LogStep(log, "restart", "drain", $"{replica} drained ({inFlight} requests still in flight)");
        try
        {
            var result = await commands.ExecuteCommandAsync(Resource(replica), KnownResourceCommands.RestartCommand, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                throw new InvalidOperationException($"Restarting {replica} failed: {result.Message}");
            }
            // The snapshot says Healthy until the old process is gone: wait for the new process, then for its health.
            await notifications.WaitForResourceAsync(replica, e => e.Snapshot.StartTimeStamp != before
                && e.Snapshot.State?.Text == KnownResourceStates.Running
                && e.Snapshot.HealthStatus == HealthStatus.Healthy, cancellationToken).ConfigureAwait(false);
            // A new process starts without a cache: give it the current topology's before it takes traffic again.
            if (_current is { } topology)
            {
                var index = int.Parse(replica[(replica.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                var answer = await SwitchReplicaAsync(replica, CacheOf(topology, index), topology.NearCache, Volatile.Read(ref _waitForReplicas), lb.Token, cancellationToken).ConfigureAwait(false);
                LogStep(log, "restart", "switch", $"{replica} uses {answer}");
            }
        }
        finally
        {
            await lb.EnableAsync(replica, CancellationToken.None).ConfigureAwait(false);
        }
        LogStep(log, "restart", "enable", $"{replica} restarted and back in the load balancer ({clock.Elapsed.TotalSeconds:0.0} s)");
        return clock.Elapsed;
    }
}
