using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer;

/// <summary>
/// Active health: a replica is Healthy when its health endpoint answers 2xx, Unhealthy after
/// <see cref="FailureThreshold"/> failed probes in a row (YARP's <c>ConsecutiveFailures</c> rule); and a successful
/// probe also ends a passive "unhealthy" (<see cref="FirstTransportFailurePolicy"/>), so a replica that was restarted
/// is back in the rotation with the first probe that reaches it.
/// </summary>
public sealed class ReplicaProbePolicy(IDestinationHealthUpdater updater) : IActiveHealthCheckPolicy
{
    /// <summary>The policy's name in the cluster's active health check configuration.</summary>
    public const string PolicyName = "ReplicaProbe";

    /// <summary>Failed probes in a row that make a replica Unhealthy.</summary>
    public const int FailureThreshold = 2;

    private readonly ConditionalWeakTable<DestinationState, StrongBox<int>> _failures = [];

    /// <inheritdoc />
    public string Name => PolicyName;

    /// <inheritdoc />
    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        var results = new NewActiveDestinationHealth[probingResults.Count];
        for (var i = 0; i < probingResults.Count; i++)
        {
            var destination = probingResults[i].Destination;
            var failures = _failures.GetOrCreateValue(destination);
            DestinationHealth health;
            if (probingResults[i].Response is { IsSuccessStatusCode: true })
            {
                Interlocked.Exchange(ref failures.Value, 0);
                health = DestinationHealth.Healthy;
                if (destination.Health.Passive == DestinationHealth.Unhealthy)
                {
                    updater.SetPassive(cluster, destination, DestinationHealth.Healthy, TimeSpan.Zero);
                }
            }
            else
            {
                health = Interlocked.Increment(ref failures.Value) >= FailureThreshold ? DestinationHealth.Unhealthy : destination.Health.Active;
            }
            results[i] = new NewActiveDestinationHealth(destination, health);
        }
        updater.SetActive(cluster, results);
    }
}
