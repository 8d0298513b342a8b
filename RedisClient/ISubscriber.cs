namespace RedisClient;

/// <summary>Publish/subscribe on a dedicated connection, shaped like StackExchange.Redis's <c>ISubscriber</c>.</summary>
public interface ISubscriber
{
    /// <summary>PUBLISH: how many clients received the message.</summary>
    Task<long> PublishAsync(string channel, RedisValue message, CancellationToken cancellationToken = default);

    /// <summary>
    /// SUBSCRIBE; the handler runs for every message on <paramref name="channel"/>, in order, on the subscriber
    /// connection's reader: keep it short and never block it on another Redis call (hand long work to a queue).
    /// </summary>
    Task SubscribeAsync(string channel, Action<string, RedisValue> handler, CancellationToken cancellationToken = default);

    /// <summary>UNSUBSCRIBE: removes every handler of <paramref name="channel"/>.</summary>
    Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default);
}
