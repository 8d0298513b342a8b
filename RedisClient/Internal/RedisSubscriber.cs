using RedisClient.Protocol;

namespace RedisClient.Internal;

/// <summary>
/// Pub/sub on its own connection (a subscribed connection can run nothing else). After a reconnect the channels
/// are subscribed again in the handshake. PUBLISH goes over the interactive connection.
/// </summary>
internal sealed class RedisSubscriber(ConnectionMultiplexer multiplexer) : ISubscriber, IAsyncDisposable
{
    private readonly Dictionary<string, Action<string, RedisValue>[]> _handlers = new(StringComparer.Ordinal);
    private readonly Lock _handlersLock = new();
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private volatile RedisConnection? _connection;

    /// <summary>The node the subscriptions live on now (null before the first subscription).</summary>
    internal System.Net.DnsEndPoint? EndPoint => _connection?.EndPoint;

    /// <inheritdoc />
    public Task<long> PublishAsync(string channel, RedisValue message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);

        // In a cluster PUBLISH reaches subscribers on every node, so any master will do.
        return multiplexer.Database.ExecuteAsync(CommandName.Publish, [channel, message], -1, static reply => (long)reply.Value, cancellationToken);
    }

    /// <inheritdoc />
    public async Task SubscribeAsync(string channel, Action<string, RedisValue> handler, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(handler);
        bool first;
        lock (_handlersLock)
        {
            first = !_handlers.TryGetValue(channel, out var existing);
            _handlers[channel] = [.. existing ?? [], handler];
        }

        var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (first)
        {
            await connection.SendAsync(new PendingCommand(CommandName.Subscribe, [channel])).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        bool removed;
        lock (_handlersLock)
        {
            removed = _handlers.Remove(channel);
        }

        if (removed && _connection is { IsConnected: true } connection)
        {
            await connection.SendAsync(new PendingCommand(CommandName.Unsubscribe, [channel])).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<RedisConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            return existing;
        }

        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { } raced)
            {
                return raced;
            }

            var connection = await ConnectAsync(multiplexer.SubscriberEndPoint, cancellationToken).ConfigureAwait(false);
            _connection = connection;
            return connection;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task<RedisConnection> ConnectAsync(System.Net.DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var connection = new RedisConnection(endPoint, multiplexer.Configuration, Channels, OnMessage);
        try
        {
            await connection.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        connection.Dropped += OnDropped;
        return connection;
    }

    private void OnDropped(RedisConnection dropped)
    {
        // A standalone server comes back on the same endpoint (the connection reconnects and subscribes again by
        // itself). In a cluster the node may be gone for good: move the subscriptions to a live master.
        if (multiplexer.IsCluster)
        {
            _ = MoveAsync(dropped);
        }
    }

    private async Task MoveAsync(RedisConnection dropped)
    {
        for (var attempt = 0; attempt < 600 && !dropped.IsConnected; attempt++)
        {
            await Task.Delay(100).ConfigureAwait(false);
            var endPoint = multiplexer.SubscriberEndPoint;
            if (_connection != dropped)
            {
                return;
            }

            if (endPoint.Equals(dropped.EndPoint))
            {
                continue;
            }

            try
            {
                var connection = await ConnectAsync(endPoint, CancellationToken.None).ConfigureAwait(false);
                _connection = connection;
                await dropped.DisposeAsync().ConfigureAwait(false);
                return;
            }
            catch (RedisConnectionException)
            {
                // Try again with whatever master is live next time round.
            }
        }
    }

    private IReadOnlyCollection<string> Channels()
    {
        lock (_handlersLock)
        {
            return [.. _handlers.Keys];
        }
    }

    private void OnMessage(string channel, RedisResult payload)
    {
        var message = payload.Value;
        Action<string, RedisValue>[]? handlers;
        lock (_handlersLock)
        {
            _handlers.TryGetValue(channel, out handlers);
        }

        foreach (var handler in handlers ?? [])
        {
            handler(channel, message);
        }
    }
}
