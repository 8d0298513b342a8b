namespace Hosting.ApplicationModel;

/// <summary>An HAProxy load balancer in front of the replicas of one project.</summary>
public sealed class LoadBalancerResource(string name, int? requestedPort) : Resource(name), IResourceWithServiceDiscovery
{
    /// <inheritdoc />
    public override string ResourceType => "LoadBalancer";

    /// <summary>The frontend port asked for (null: the --lb-port option, or a free port in tests).</summary>
    public int? RequestedPort { get; } = requestedPort;

    /// <summary>The frontend port on 127.0.0.1, allocated when the application is built.</summary>
    public int Port { get; internal set; }

    /// <summary>The port of the HAProxy statistics page.</summary>
    public int StatsPort { get; internal set; }

    /// <summary>The project whose replicas receive the traffic (set by <c>WithReference</c>).</summary>
    public IResourceWithReplicas? Backend { get; internal set; }

    /// <summary>The HAProxy backend name in the generated configuration.</summary>
    public string BackendName => Backend?.Name ?? "backend";

    /// <summary>The cookie backend of a load balancer with switchable stickiness (<c>webfrontend-sticky</c>).</summary>
    public string StickyBackendName => $"{BackendName}-sticky";

    /// <summary>Whether stickiness can be switched at run time (<c>WithSwitchableStickySessions</c>).</summary>
    public bool HasSwitchableStickiness => this.TryGetLastAnnotation<StickySessionsAnnotation>(out var sticky) && sticky.Switchable;

    /// <summary>The HAProxy backends over the replicas: one, or the round-robin and the cookie one when switchable.</summary>
    public IReadOnlyList<string> BackendNames => HasSwitchableStickiness ? [BackendName, StickyBackendName] : [BackendName];

    /// <summary>The HAProxy server name of one replica (<c>webfrontend-0</c>).</summary>
    public static string ServerName(string resourceName, int replica) => $"{resourceName}-{replica}";
}
