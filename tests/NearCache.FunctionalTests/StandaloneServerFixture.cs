namespace NearCache.FunctionalTests;

/// <summary>One real redis-server with a generated password, shared by a test class.</summary>
public sealed class StandaloneServerFixture : IAsyncLifetime
{
    public RedisServers Servers { get; } = new();

    public RedisServers.RedisNode Node { get; private set; } = null!;

    public string ConnectionString => Servers.ConnectionString(Node);

    public async Task InitializeAsync() => Node = await Servers.StartAsync();

    public async Task DisposeAsync() => await Servers.DisposeAsync();
}
