namespace LoadBalancer;

/// <summary>
/// The replicas to balance over and how, from configuration section <c>LoadBalancer</c> (the AppHost sets
/// <c>LoadBalancer__Replicas__0=webfrontend-0</c>, ... and references each of them, so service discovery knows
/// <c>http://webfrontend-0</c>).
/// </summary>
public sealed class LoadBalancerOptions
{
    /// <summary>Service names of the replicas; each is one YARP destination <c>http://{name}</c>.</summary>
    public List<string> Replicas { get; } = [];

    /// <summary>Cookie affinity at start (switchable at run time through the admin API).</summary>
    public bool SessionAffinity { get; set; }

    /// <summary>The path the active health check probes on each replica.</summary>
    public string HealthPath { get; set; } = "/health";

    /// <summary>How often the active health check probes.</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a drain waits for the requests in flight on the drained replica.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
