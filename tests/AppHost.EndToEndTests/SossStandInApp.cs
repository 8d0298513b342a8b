using TestServers;

namespace AppHost.EndToEndTests;

/// <summary>
/// The real AppHost given an "installed ScaleOut StateServer": a real 3 masters + 3 replicas Redis Cluster on loopback
/// standing in for SOSS's Redis-protocol endpoint (SOSS cannot be installed here), passed the way a user configures
/// it, <c>Parameters:soss-hosts</c> and <c>Parameters:soss-password</c>. Its own app: the shared one stays unconfigured.
/// Disposing it ends the app's processes, then the cluster's.
/// </summary>
public sealed class SossStandInApp : IAsyncLifetime
{
    private readonly RedisServers _servers = new();
    private SampleApp? _stack;

    /// <summary>The started AppHost.</summary>
    public SampleApp Stack => _stack ?? throw new InvalidOperationException("Not started.");

    /// <summary>The stand-in cluster's nodes.</summary>
    public IReadOnlyList<RedisServers.RedisNode> Nodes { get; private set; } = [];

    /// <summary>A connection string to the stand-in (for checks made by the test itself).</summary>
    public string ConnectionString => _servers.ConnectionString([.. Nodes]);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Nodes = await _servers.StartClusterAsync();
        var hosts = string.Join(',', Nodes.Take(3).Select(n => n.EndPoint));
        _stack = new SampleApp([$"--Parameters:soss-hosts={hosts}", $"--Parameters:soss-password={_servers.Password}"]);
        try
        {
            await _stack.InitializeAsync();
        }
        catch
        {
            await _servers.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        try
        {
            if (_stack is not null)
            {
                await _stack.DisposeAsync();
            }
        }
        finally
        {
            await _servers.DisposeAsync();
        }
    }
}

/// <summary>The tests that run the sample against the stand-in SOSS.</summary>
[CollectionDefinition(Name)]
public sealed class SossStandInAppCollection : ICollectionFixture<SossStandInApp>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "sample app with a Redis Cluster standing in for SOSS";
}
