using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>Adds HAProxy load balancers.</summary>
public static class LoadBalancerBuilderExtensions
{
    /// <summary>
    /// Adds an HAProxy load balancer (Debian package <c>haproxy</c>) listening on 127.0.0.1:<paramref name="port"/>
    /// (null: the <c>--lb-port</c> option, 8080 by default, a free port in tests).
    /// </summary>
    public static IResourceBuilder<LoadBalancerResource> AddLoadBalancer(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (port is not null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(port.Value, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(port.Value, 65535);
        }
        return builder.AddResource(new LoadBalancerResource(name, port));
    }

    /// <summary>Sends the traffic round robin to the replicas of <paramref name="backend"/>, checked on /alive.</summary>
    public static IResourceBuilder<LoadBalancerResource> WithReference(this IResourceBuilder<LoadBalancerResource> builder, IResourceBuilder<IResourceWithReplicas> backend)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(backend);
        if (builder.Resource.Backend is not null)
        {
            throw new DistributedApplicationException($"Load balancer '{builder.Resource.Name}' already sends traffic to '{builder.Resource.Backend.Name}'; add another load balancer for '{backend.Resource.Name}'.");
        }
        if (backend.Resource is ExecutableResource executable && !executable.GetAnnotations<EndpointAnnotation>().Any())
        {
            throw new DistributedApplicationException($"Executable '{executable.Name}' has no HTTP endpoint to balance: call .WithHttpEndpoint() before .WithReference().");
        }
        builder.Resource.Backend = backend.Resource;
        builder.Resource.Annotations.Add(new ResourceReferenceAnnotation(backend.Resource));
        return builder;
    }

    /// <summary>Pins each client to one replica with a cookie, so it sees its own writes when each replica has its own cache.</summary>
    public static IResourceBuilder<LoadBalancerResource> WithStickySessions(this IResourceBuilder<LoadBalancerResource> builder, string cookieName = "SERVERID")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(cookieName);
        builder.Resource.Annotations.Add(new StickySessionsAnnotation(cookieName));
        return builder;
    }

    /// <summary>
    /// Lets cookie stickiness be turned on and off while the load balancer runs
    /// (<see cref="LoadBalancing.LoadBalancerRuntime.SetStickyAsync"/>): HAProxy gets a round-robin backend and a
    /// cookie backend over the same replicas, and a map file in its state folder names the one in use.
    /// </summary>
    public static IResourceBuilder<LoadBalancerResource> WithSwitchableStickySessions(this IResourceBuilder<LoadBalancerResource> builder, bool sticky = false, string cookieName = "SERVERID")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(cookieName);
        builder.Resource.Annotations.Add(new StickySessionsAnnotation(cookieName) { Switchable = true, InitiallySticky = sticky });
        return builder;
    }
}
