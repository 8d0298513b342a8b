namespace Scaleout.Integration.Tests;

/// <summary>
/// A real 3 masters + 3 replicas Redis Cluster on loopback, standing in for SOSS's Redis-protocol endpoint (which
/// speaks the Redis Cluster protocol) because SOSS cannot be installed here. One per test collection; every process
/// ends on dispose.
/// </summary>
public sealed class StandInCluster : IAsyncLifetime
{
    private readonly RedisServers _servers = new();

    public IReadOnlyList<RedisServers.RedisNode> Nodes { get; private set; } = [];

    public string Password => _servers.Password;

    /// <summary>The first three nodes in the <c>Parameters:soss-hosts</c> form; the client discovers the rest.</summary>
    public string Hosts => string.Join(',', Nodes.Take(3).Select(n => n.EndPoint));

    public RedisServers Servers => _servers;

    public async Task InitializeAsync() => Nodes = await _servers.StartClusterAsync();

    public async Task DisposeAsync() => await _servers.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class StandInClusterCollection : ICollectionFixture<StandInCluster>
{
    public const string Name = "Redis Cluster standing in for SOSS";
}
