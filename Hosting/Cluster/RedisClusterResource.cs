using Hosting.ApplicationModel;

namespace Hosting.Cluster;

/// <summary>
/// A Redis Cluster in the app model: its nodes are created when the application starts, listed in the dashboard
/// as replicas of this resource, and managed at run time through <see cref="Manager"/>.
/// </summary>
public sealed class RedisClusterResource(string name, RedisClusterOptions options) : Resource(name), IResourceWithConnectionString
{
    /// <inheritdoc />
    public override string ResourceType => "RedisCluster";

    /// <summary>How the cluster is built (masters, replicas per master, node timeout).</summary>
    public RedisClusterOptions Options { get; } = options;

    /// <summary>The manager of the running cluster; <c>null</c> until the application starts.</summary>
    public RedisClusterManager? Manager { get; internal set; }

    /// <summary>The part of the run loop that creates and watches the cluster.</summary>
    internal RedisClusterProcessor? Processor { get; set; }

    /// <summary>The StackExchange.Redis-format connection string: every node, then <c>password=...</c>.</summary>
    public string GetConnectionString() => Manager?.ConnectionString
        ?? throw new InvalidOperationException($"The Redis Cluster '{Name}' gets its ports when the application starts; read its connection string after DistributedApplication.StartAsync.");
}
