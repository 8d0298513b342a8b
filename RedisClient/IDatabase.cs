namespace RedisClient;

/// <summary>
/// The commands of one logical Redis database, shaped like StackExchange.Redis's <c>IDatabase</c>.
/// In cluster mode every command is routed to the master that owns its key's slot.
/// </summary>
public interface IDatabase
{
    /// <summary>GET: the value, or <see cref="RedisValue.Null"/> when the key does not exist.</summary>
    Task<RedisValue> StringGetAsync(RedisKey key, CancellationToken cancellationToken = default);

    /// <summary>MGET (one per slot in cluster mode): values in the order of <paramref name="keys"/>.</summary>
    Task<RedisValue[]> StringGetAsync(RedisKey[] keys, CancellationToken cancellationToken = default);

    /// <summary>SET with an optional expiry and condition; false when the condition was not met.</summary>
    Task<bool> StringSetAsync(RedisKey key, RedisValue value, TimeSpan? expiry = null, When when = When.Always, CancellationToken cancellationToken = default);

    /// <summary>DEL: true when the key existed.</summary>
    Task<bool> KeyDeleteAsync(RedisKey key, CancellationToken cancellationToken = default);

    /// <summary>DEL of several keys (all in one slot in cluster mode): how many existed.</summary>
    Task<long> KeyDeleteAsync(RedisKey[] keys, CancellationToken cancellationToken = default);

    /// <summary>EXISTS.</summary>
    Task<bool> KeyExistsAsync(RedisKey key, CancellationToken cancellationToken = default);

    /// <summary>PING on the connection that serves this database (any master in cluster mode): the round trip.</summary>
    Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// WAIT on the connection to the master owning <paramref name="key"/>: blocks until the writes sent on it
    /// before are acknowledged by <paramref name="numReplicas"/> replicas or <paramref name="timeout"/> passes.
    /// Returns how many replicas acknowledged. The multiplexed connection is held meanwhile (replies are in order),
    /// so keep <paramref name="timeout"/> short and below syncTimeout.
    /// </summary>
    Task<long> WaitAsync(RedisKey key, int numReplicas, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Any command. Arguments may be strings, byte arrays, numbers, <see cref="RedisKey"/> or <see cref="RedisValue"/>.</summary>
    Task<RedisResult> ExecuteAsync(string command, params object[] args);

    /// <summary>Any command, with cancellation.</summary>
    Task<RedisResult> ExecuteAsync(string command, ICollection<object> args, CancellationToken cancellationToken = default);
}
