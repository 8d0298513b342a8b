using Hosting.ApplicationModel;
using Hosting.Cluster;

namespace Hosting;

/// <summary>Adds a self-managing Redis Cluster to the app model and reaches it at run time.</summary>
public static class RedisClusterBuilderExtensions
{
    /// <summary>
    /// Adds a Redis Cluster of <paramref name="masters"/> masters with <paramref name="replicasPerMaster"/> replicas
    /// each, created (<c>redis-cli --cluster create</c>) when the application starts. Reference it with
    /// <c>WithReference(cluster)</c> to inject <c>ConnectionStrings__{name}</c>, and <c>WaitFor(cluster)</c> to start
    /// clients once every node reports <c>cluster_state:ok</c>.
    /// </summary>
    public static IResourceBuilder<RedisClusterResource> AddRedisCluster(
        this IDistributedApplicationBuilder builder, string name, int masters = 3, int replicasPerMaster = 1, TimeSpan? nodeTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (masters < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(masters), masters, "A Redis Cluster needs at least 3 masters.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(replicasPerMaster);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(masters * (1 + replicasPerMaster), 32);
        var options = new RedisClusterOptions
        {
            Masters = masters,
            ReplicasPerMaster = replicasPerMaster,
            DataDirectory = Path.Combine(builder.Options.StateDirectory, name),
        };
        if (nodeTimeout is { } timeout)
        {
            options = options with { NodeTimeout = timeout };
        }

        var resource = new RedisClusterResource(name, options);

        // One "replica" per initial node, so WaitFor(cluster) waits for every node; nodes added later are listed too.
        resource.Annotations.Add(new ReplicaAnnotation(masters * (1 + replicasPerMaster)));
        var added = builder.AddResource(resource);
        resource.Processor = new RedisClusterProcessor(resource);
        builder.Processors.Add(resource.Processor);
        return added;
    }

    /// <summary>The manager of the running cluster named <paramref name="name"/>: add or remove nodes, fail over, reset.</summary>
    public static RedisClusterManager GetRedisCluster(this DistributedApplication app, string name)
    {
        ArgumentNullException.ThrowIfNull(app);
        var resource = app.Resources.OfType<RedisClusterResource>().FirstOrDefault(r => r.Name == name)
            ?? throw new ArgumentException($"There is no Redis Cluster named '{name}'; add it with builder.AddRedisCluster(\"{name}\").", nameof(name));
        return resource.Manager ?? throw new InvalidOperationException($"The Redis Cluster '{name}' is not started; call StartAsync on the application first.");
    }

    /// <summary>
    /// Creates a cluster added with <c>.WithExplicitStart()</c> and completes when every node is healthy; returns
    /// at once when the cluster was created already (its nodes may be failing over: that is the cluster's business).
    /// </summary>
    public static async Task StartRedisClusterAsync(this DistributedApplication app, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var resource = app.Resources.OfType<RedisClusterResource>().FirstOrDefault(r => r.Name == name)
            ?? throw new ArgumentException($"There is no Redis Cluster named '{name}'; add it with builder.AddRedisCluster(\"{name}\").", nameof(name));
        var processor = resource.Processor ?? throw new InvalidOperationException($"The Redis Cluster '{name}' is not part of a started application.");
        if (!processor.StartCreating())
        {
            return;
        }

        await app.ResourceNotifications.WaitForResourceHealthyAsync(name, cancellationToken).ConfigureAwait(false);
    }
}
