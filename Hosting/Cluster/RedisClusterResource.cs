using System.Globalization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A Redis Cluster of local <c>redis-server</c> nodes. The cluster itself is a custom resource (its state is what
/// <see cref="RedisClusterOperations"/> publishes); its nodes are explicit-start, non-proxied executable children
/// <c>{name}-0..N</c>: the initial masters and replicas first, then the spare nodes that "add master/replica" use
/// (DCP cannot add resources once the app runs).
/// </summary>
public sealed class RedisClusterResource : Resource, IResourceWithConnectionString
{
    private readonly List<RedisClusterNodeResource> _nodes = [];

    /// <summary>Creates the resource; <c>AddRedisCluster</c> adds its nodes.</summary>
    /// <param name="name">The resource name.</param>
    /// <param name="password">The password of every node (<c>requirepass</c> and <c>masterauth</c>).</param>
    /// <param name="masters">Masters created on start (3 or more).</param>
    /// <param name="replicasPerMaster">Replicas per master created on start.</param>
    /// <param name="defaultDataDirectory">The folder of the node files when <c>WithDataDirectory</c> is not used.</param>
    public RedisClusterResource(string name, ParameterResource password, int masters, int replicasPerMaster, string defaultDataDirectory)
        : base(name)
    {
        PasswordParameter = password;
        Masters = masters;
        ReplicasPerMaster = replicasPerMaster;
        DefaultDataDirectory = defaultDataDirectory;
    }

    /// <summary>The password of every node.</summary>
    public ParameterResource PasswordParameter { get; }

    /// <summary>Masters created on start.</summary>
    public int Masters { get; }

    /// <summary>Replicas per master created on start.</summary>
    public int ReplicasPerMaster { get; }

    /// <summary>The number of nodes the cluster is created with (masters × (1 + replicas per master)).</summary>
    public int InitialNodeCount => Masters * (1 + ReplicasPerMaster);

    /// <summary>Every node resource, initial nodes first, then the spares.</summary>
    public IReadOnlyList<RedisClusterNodeResource> Nodes => _nodes;

    /// <summary>
    /// <c>cluster-node-timeout</c>: how long a master may be unreachable before a replica takes over. Lower than
    /// Redis' 15 s default so that a failover can be watched.
    /// </summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Self-healing: how long a dead node may take to start again and rejoin before a spare node takes its place.
    /// </summary>
    public TimeSpan RejoinTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Whether a node whose process dies without a stop request is brought back (<c>WithSelfHealing</c>; on by default).</summary>
    public bool SelfHealing => !this.TryGetLastAnnotation<RedisClusterSelfHealingAnnotation>(out var healing) || healing.Enabled;

    /// <summary>How long an operation may wait for the nodes to agree before it fails.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The folder of the node files (one subfolder per node).</summary>
    public string DataDirectory => this.TryGetLastAnnotation<LocalDataDirectoryAnnotation>(out var folder) ? folder.Path : DefaultDataDirectory;

    internal string DefaultDataDirectory { get; }

    /// <summary>
    /// Every initial node's <c>127.0.0.1:port</c>, then <c>password=…</c> (StackExchange.Redis format; a client
    /// discovers the rest of the cluster from any node). Built from the ports fixed at model-build time, not from
    /// endpoint allocations, so it resolves as soon as the app starts, while the cluster is not started yet.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var hosts = string.Join(',', _nodes.Take(InitialNodeCount).Select(n => "127.0.0.1:" + n.Port.ToString(CultureInfo.InvariantCulture)));
            return ReferenceExpression.Create($"{hosts},password={PasswordParameter}");
        }
    }

    internal void AddNode(RedisClusterNodeResource node) => _nodes.Add(node);
}
