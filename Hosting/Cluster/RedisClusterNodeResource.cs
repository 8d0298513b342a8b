namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// One <c>redis-server</c> of a <see cref="RedisClusterResource"/>, run by DCP; started and stopped by the cluster's
/// operations, never by the app's start (explicit start). Not proxied: a cluster node announces its own address
/// to clients in MOVED/ASK redirects, so clients must reach that address directly.
/// </summary>
/// <param name="name">The resource name, <c>{cluster}-{index}</c>.</param>
/// <param name="command">The <c>redis-server</c> executable.</param>
/// <param name="workingDirectory">The node's folder.</param>
/// <param name="parent">The cluster.</param>
/// <param name="index">The node's index in <see cref="RedisClusterResource.Nodes"/>.</param>
/// <param name="port">The client port, fixed at model-build time.</param>
/// <param name="busPort">The cluster bus port (node-to-node gossip), fixed at model-build time.</param>
public sealed class RedisClusterNodeResource(string name, string command, string workingDirectory, RedisClusterResource parent, int index, int port, int busPort)
    : ExecutableResource(name, command, workingDirectory), IResourceWithParent<RedisClusterResource>
{
    internal const string PrimaryEndpointName = "tcp";

    /// <inheritdoc />
    public RedisClusterResource Parent { get; } = parent;

    /// <summary>The node's index: below <see cref="RedisClusterResource.InitialNodeCount"/> an initial node, else a spare.</summary>
    public int Index { get; } = index;

    /// <summary>The client port.</summary>
    public int Port { get; } = port;

    /// <summary>The cluster bus port.</summary>
    public int BusPort { get; } = busPort;

    /// <summary>The node's folder: its config file and <c>nodes.conf</c> (its identity in the cluster).</summary>
    public string Folder => Path.Combine(Parent.DataDirectory, Name);

    internal string Address => "127.0.0.1:" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
