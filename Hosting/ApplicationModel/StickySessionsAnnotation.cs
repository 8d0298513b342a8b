namespace Hosting.ApplicationModel;

/// <summary>
/// Added with <c>WithStickySessions</c>: the load balancer pins a client to a replica with a cookie. When
/// <see cref="Switchable"/>, the load balancer has a round-robin and a cookie backend over the same replicas and a
/// map file choosing between them, so stickiness can be turned on and off at run time without restarting HAProxy.
/// </summary>
public sealed record StickySessionsAnnotation(string CookieName) : IResourceAnnotation
{
    /// <summary>Stickiness can be switched at run time (<c>LoadBalancerRuntime.SetStickyAsync</c>).</summary>
    public bool Switchable { get; init; }

    /// <summary>For a switchable one: whether it starts sticky.</summary>
    public bool InitiallySticky { get; init; } = true;
}
