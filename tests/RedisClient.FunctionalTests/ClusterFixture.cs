namespace RedisClient.FunctionalTests;

/// <summary>A real 3-master/3-replica Redis Cluster (cluster-node-timeout 1000 ms), one per test class.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public RedisServers Servers { get; } = new();

    public IReadOnlyList<RedisServers.RedisNode> Nodes { get; private set; } = [];

    /// <summary>Only the first node as a seed: the client must discover the rest.</summary>
    public string ConnectionString => Servers.ConnectionString(Nodes[0]);

    public async Task InitializeAsync() => Nodes = await Servers.StartClusterAsync();

    public async Task DisposeAsync() => await Servers.DisposeAsync();

    public RedisServers.RedisNode NodeAt(int port) => Nodes.Single(n => n.Port == port);

    /// <summary>The node id of a node (CLUSTER MYID).</summary>
    public async Task<string> IdOfAsync(RedisServers.RedisNode node) => (await node.CliAsync("CLUSTER", "MYID")).Trim();

    /// <summary>The masters as CLUSTER NODES on a live node sees them.</summary>
    public async Task<IReadOnlyList<RedisServers.RedisNode>> MastersAsync()
    {
        var live = Nodes.First(n => n.IsRunning);
        var lines = (await live.CliAsync("CLUSTER", "NODES")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines
            .Select(line => line.Split(' '))
            .Where(fields => fields[2].Contains("master", StringComparison.Ordinal) && !fields[2].Contains("fail", StringComparison.Ordinal))
            .Select(fields => NodeAt(int.Parse(fields[1].Split('@')[0].Split(':')[1])))
            .ToList();
    }
}
