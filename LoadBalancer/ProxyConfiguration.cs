using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace LoadBalancer;

/// <summary>
/// The one route and one cluster of the load balancer, held in YARP's <see cref="InMemoryConfigProvider"/> so that
/// cookie affinity can be switched at run time: <see cref="InMemoryConfigProvider.Update"/> swaps the whole
/// configuration atomically, requests in flight finish on the old one, so a switch fails no request.
/// </summary>
public sealed class ProxyConfiguration
{
    /// <summary>The cluster's id; its destinations are named after the replicas.</summary>
    public const string ClusterId = "webfrontend";

    /// <summary>The affinity cookie (the replica's destination id, protected by Data Protection).</summary>
    public const string AffinityCookie = ".lb.affinity";

    private readonly LoadBalancerOptions _options;
    private readonly Lock _lock = new();

    /// <summary>Creates the configuration from the options (affinity as configured).</summary>
    public ProxyConfiguration(IOptions<LoadBalancerOptions> options)
    {
        _options = options.Value;
        if (_options.Replicas.Count == 0)
        {
            throw new InvalidOperationException(
                "No replicas to balance over: set LoadBalancer:Replicas (the AppHost passes LoadBalancer__Replicas__0=webfrontend-0, ...).");
        }
        SessionAffinity = _options.SessionAffinity;
        Provider = new InMemoryConfigProvider([CreateRoute()], [CreateCluster(SessionAffinity)]);
    }

    /// <summary>The provider YARP reads.</summary>
    public InMemoryConfigProvider Provider { get; }

    /// <summary>Whether cookie affinity is on now.</summary>
    public bool SessionAffinity { get; private set; }

    /// <summary>The replica names, in order.</summary>
    public IReadOnlyList<string> Replicas => _options.Replicas;

    /// <summary>Turns cookie affinity on or off; requests in flight keep the configuration they started with.</summary>
    public void SetSessionAffinity(bool enabled)
    {
        lock (_lock)
        {
            if (SessionAffinity == enabled)
            {
                return;
            }
            Provider.Update([CreateRoute()], [CreateCluster(enabled)]);
            SessionAffinity = enabled;
        }
    }

    private static RouteConfig CreateRoute() => new()
    {
        RouteId = "storefront",
        ClusterId = ClusterId,
        Match = new RouteMatch { Path = "{**catch-all}" },
        // The replicas see the Host the client asked for, not the service discovery name.
        Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
    };

    private ClusterConfig CreateCluster(bool sessionAffinity) => new()
    {
        ClusterId = ClusterId,
        LoadBalancingPolicy = "RoundRobin",
        // Redistribute: a cookie naming a drained or unhealthy replica sends the request to another one.
        SessionAffinity = new SessionAffinityConfig
        {
            Enabled = sessionAffinity,
            Policy = "Cookie",
            FailurePolicy = "Redistribute",
            AffinityKeyName = AffinityCookie,
        },
        HealthCheck = new HealthCheckConfig
        {
            // ReplicaProbe: ConsecutiveFailures' rule, plus a successful probe ends a passive "unhealthy".
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = _options.HealthInterval,
                Timeout = TimeSpan.FromSeconds(1),
                Policy = ReplicaProbePolicy.PolicyName,
                Path = _options.HealthPath,
            },
            // A replica whose connection fails is taken out at once (the first failure, not a rate over a window),
            // until the active check reaches it again; the reactivation period is only the upper bound.
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = FirstTransportFailurePolicy.PolicyName,
                ReactivationPeriod = TimeSpan.FromSeconds(30),
            },
        },
        // One destination per replica: service discovery resolves http://webfrontend-i to its address.
        Destinations = _options.Replicas.ToDictionary(r => r, r => new DestinationConfig { Address = $"http://{r}" }),
    };
}
