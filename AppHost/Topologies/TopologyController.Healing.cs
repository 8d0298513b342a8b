namespace AppHost.Topologies;

public sealed partial class TopologyController
{
    /// <summary>
    /// A replica died: take it out of the load balancer at once (the load balancer's passive health check has usually
    /// done so already; the drain also keeps it out until it has its cache again, see <see cref="ReplicaRestartedAsync"/>).
    /// </summary>
    internal async Task ReplicaExitedAsync(string replica, CancellationToken cancellationToken)
    {
        var lb = new LoadBalancerAdmin(_http, Endpoint(ResourceNames.LoadBalancer), await AdminTokenAsync(cancellationToken).ConfigureAwait(false));
        await lb.DrainAsync(replica, cancellationToken).ConfigureAwait(false);
        LogStep(loggers.GetLogger(Resource(ResourceNames.LoadBalancer)), "heal", "drain", $"{replica} exited: out of the load balancer until it is back");
    }

    /// <summary>
    /// A replica came back by itself: a new process starts without a cache, so give it the current topology's before
    /// it takes traffic again, then enable it. Waits for a topology switch in progress, so it gets the switch's result.
    /// </summary>
    internal async Task ReplicaRestartedAsync(string replica, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var token = linked.Token;
        await _switching.WaitAsync(token).ConfigureAwait(false);
        try
        {
            var log = loggers.GetLogger(Resource(ResourceNames.LoadBalancer));
            var lb = new LoadBalancerAdmin(_http, Endpoint(ResourceNames.LoadBalancer), await AdminTokenAsync(token).ConfigureAwait(false));
            if (_current is { } topology)
            {
                var index = int.Parse(replica[(replica.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                var answer = await SwitchReplicaAsync(replica, CacheOf(topology, index), topology.NearCache, Volatile.Read(ref _waitForReplicas), lb.Token, token).ConfigureAwait(false);
                LogStep(log, "heal", "switch", $"{replica} uses {answer}");
            }
            await lb.EnableAsync(replica, token).ConfigureAwait(false);
            LogStep(log, "heal", "enable", $"{replica} back in the load balancer");
        }
        finally
        {
            _switching.Release();
        }
    }

    /// <summary>The load balancer came back by itself: it starts with its configured affinity; give it the topology's.</summary>
    internal async Task LoadBalancerRestartedAsync(CancellationToken cancellationToken)
    {
        if (_current is not { } topology)
        {
            return;
        }
        var lb = new LoadBalancerAdmin(_http, Endpoint(ResourceNames.LoadBalancer), await AdminTokenAsync(cancellationToken).ConfigureAwait(false));
        await lb.SetAffinityAsync(topology.Sticky, cancellationToken).ConfigureAwait(false);
        LogStep(loggers.GetLogger(Resource(ResourceNames.LoadBalancer)), "heal", "lb", topology.Sticky ? "cookie affinity on again" : "round robin, no affinity");
    }
}
