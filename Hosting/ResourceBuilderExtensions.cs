using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>Wiring shared by every resource: references, waits, environment, replicas, health checks, endpoints.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>Injects <c>ConnectionStrings__{name}</c> of <paramref name="source"/> into this resource.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> source)
        where T : IResourceWithEnvironment
        => AddReference(builder, source?.Resource);

    /// <summary>Injects <c>services__{name}__http__{i}</c> (one per replica) of <paramref name="source"/> into this resource.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithServiceDiscovery> source)
        where T : IResourceWithEnvironment
        => AddReference(builder, source?.Resource);

    /// <summary>Starts this resource only once every replica of <paramref name="dependency"/> is healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dependency);
        if (ReferenceEquals(builder.Resource, dependency.Resource))
        {
            throw new ArgumentException($"Resource '{builder.Resource.Name}' cannot wait for itself.", nameof(dependency));
        }
        builder.Resource.Annotations.Add(new WaitAnnotation(dependency.Resource));
        return builder;
    }

    /// <summary>Sets an environment variable; it wins over the ones references inject.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Contains('=', StringComparison.Ordinal))
        {
            throw new ArgumentException($"An environment variable name cannot contain '=': '{name}'.", nameof(name));
        }
        builder.Resource.Annotations.Add(new EnvironmentAnnotation(name, value));
        return builder;
    }

    /// <summary>Runs <paramref name="replicas"/> identical processes, each on its own port with <c>APP_INSTANCE=name-i</c>.</summary>
    public static IResourceBuilder<T> WithReplicas<T>(this IResourceBuilder<T> builder, int replicas)
        where T : IResourceWithReplicas
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicas, 32);
        builder.Resource.Annotations.Add(new ReplicaAnnotation(replicas));
        return builder;
    }

    /// <summary>Healthy while <c>GET path</c> on each replica answers 2xx (e.g. "/health").</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health")
        where T : IResourceWithReplicas
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!path.StartsWith('/'))
        {
            throw new ArgumentException($"A health check path starts with '/': '{path}'.", nameof(path));
        }
        builder.Resource.Annotations.Add(new HttpHealthCheckAnnotation(path));
        return builder;
    }

    /// <summary>
    /// Declares the HTTP endpoint of an executable: <paramref name="port"/> (null: a free one per replica) is passed
    /// in the variable <paramref name="env"/> (default PORT). Projects get theirs through ASPNETCORE_URLS.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> WithHttpEndpoint(this IResourceBuilder<ExecutableResource> builder, int? port = null, string env = "PORT")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(env);
        if (port is not null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(port.Value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(port.Value, 65535);
        }
        builder.Resource.Annotations.Add(new EndpointAnnotation("http", port, env));
        return builder;
    }

    private static IResourceBuilder<T> AddReference<T>(IResourceBuilder<T> builder, IResource? source)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(source);
        if (ReferenceEquals(builder.Resource, source))
        {
            throw new ArgumentException($"Resource '{source.Name}' cannot reference itself.", nameof(source));
        }
        builder.Resource.Annotations.Add(new ResourceReferenceAnnotation(source));
        return builder;
    }

    /// <summary>
    /// Does not start the resource with the application: it stays <see cref="ResourceState.Stopped"/> until
    /// <c>DistributedApplication.StartResourceAsync</c> starts it. <c>WaitForAllHealthyAsync</c> does not wait for it.
    /// </summary>
    public static IResourceBuilder<T> WithExplicitStart<T>(this IResourceBuilder<T> builder) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.Annotations.Add(new ExplicitStartAnnotation());
        return builder;
    }
}
