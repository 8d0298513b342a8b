namespace RedisClient;

/// <summary>
/// One multiplexed connection per Redis endpoint, shared by all callers, shaped like StackExchange.Redis's
/// <c>ConnectionMultiplexer</c>. Create one per application and keep it.
/// </summary>
public sealed partial class ConnectionMultiplexer : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// Connects using a StackExchange.Redis configuration string:
    /// <c>host:port[,host:port...][,password=...][,user=...][,connectTimeout=ms][,syncTimeout=ms][,abortConnect=false]</c>.
    /// </summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string configuration, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>The database API; cheap to call, the result may be cached.</summary>
    public IDatabase GetDatabase() => throw new NotImplementedException();

    /// <summary>The pub/sub API (its own connection).</summary>
    public ISubscriber GetSubscriber() => throw new NotImplementedException();

    /// <summary>True when at least one endpoint is connected.</summary>
    public bool IsConnected => throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => throw new NotImplementedException();

    /// <inheritdoc />
    public void Dispose() => throw new NotImplementedException();
}
