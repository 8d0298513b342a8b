namespace NearCache.FunctionalTests;

/// <summary>A real 3-master/3-replica Redis Cluster (cluster-node-timeout 1000 ms), one per test class.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public RedisServers Servers { get; } = new();

    public IReadOnlyList<RedisServers.RedisNode> Nodes { get; private set; } = [];

    /// <summary>Only the first node as a seed: the client must discover the rest.</summary>
    public string ConnectionString => Servers.ConnectionString(Nodes[0]);

    public async Task InitializeAsync() => Nodes = await Servers.StartClusterAsync();

    public async Task DisposeAsync() => await Servers.DisposeAsync();
}
