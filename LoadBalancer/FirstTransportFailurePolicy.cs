using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer;

/// <summary>
/// Passive health: the first request whose connection to a replica fails (refused, reset before the response
/// headers) takes that replica out of the rotation at once, instead of after a failure rate over a window (YARP's
/// <c>TransportFailureRate</c>). It comes back when the active health check gets an answer from it again
/// (<see cref="ReplicaProbePolicy"/>), or after the reactivation period at the latest.
/// </summary>
public sealed class FirstTransportFailurePolicy(IDestinationHealthUpdater updater) : IPassiveHealthCheckPolicy
{
    /// <summary>The policy's name in the cluster's passive health check configuration.</summary>
    public const string PolicyName = "FirstTransportFailure";

    private static readonly TimeSpan s_defaultReactivation = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public string Name => PolicyName;

    /// <inheritdoc />
    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        if (context.GetForwarderErrorFeature()?.Error == ForwarderError.Request && !context.RequestAborted.IsCancellationRequested)
        {
            updater.SetPassive(cluster, destination, DestinationHealth.Unhealthy,
                cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? s_defaultReactivation);
        }
    }
}

