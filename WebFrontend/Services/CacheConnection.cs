using RedisClient;

namespace WebFrontend.Services;

/// <summary>
/// The cache this replica uses right now: a Redis connection, or none (topology <c>none</c>). It starts from
/// <c>ConnectionStrings__cache</c> and can be switched while the replica runs (<see cref="SwitchAsync"/>), which
/// is how a topology change reaches a replica without a restart.
/// </summary>
public sealed class CacheConnection : IAsyncDisposable
{
    private static readonly TimeSpan s_reconnectAfter = TimeSpan.FromSeconds(5);

    private readonly ILogger<CacheConnection> _logger;
    private readonly TimeProvider _time;
    private Target? _current;

    /// <summary>Starts connecting to the cache named in <c>ConnectionStrings:cache</c>, when there is one.</summary>
    public CacheConnection(IConfiguration configuration, ILogger<CacheConnection> logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
        var connectionString = configuration.GetConnectionString("cache");
        _current = string.IsNullOrWhiteSpace(connectionString) ? null : Connect(connectionString);
    }

    /// <summary>The configuration string of the current cache, or null when there is none.</summary>
    public string? Configuration => Volatile.Read(ref _current)?.Configuration;

    /// <summary>
    /// The database of the current cache, or null when no cache is configured. Throws when the cache cannot be
    /// connected to; a failed connection is attempted again after a few seconds.
    /// </summary>
    public async ValueTask<IDatabase?> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        var target = Volatile.Read(ref _current);
        if (target is null)
        {
            return null;
        }
        if (target.Connection.IsFaulted && _time.GetUtcNow() - target.StartedAt > s_reconnectAfter)
        {
            var retry = Connect(target.Configuration);
            target = Interlocked.CompareExchange(ref _current, retry, target) == target ? retry : Volatile.Read(ref _current);
            if (target is null)
            {
                return null;
            }
        }
        var multiplexer = await target.Connection.WaitAsync(cancellationToken).ConfigureAwait(false);
        return multiplexer.GetDatabase();
    }

    /// <summary>
    /// Points this replica at another cache (or at none when <paramref name="configuration"/> is null or empty).
    /// Requests already running finish on the old connection, which is closed afterwards.
    /// </summary>
    public async Task SwitchAsync(string? configuration)
    {
        var next = string.IsNullOrWhiteSpace(configuration) ? null : Connect(configuration);
        var previous = Interlocked.Exchange(ref _current, next);
        _logger.LogInformation("Cache switched to {Configuration}", next is null ? "none" : Redact(next.Configuration));
        if (previous is not null)
        {
            // Let requests that already took the old connection finish their command.
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            await previous.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _current, null) is { } target)
        {
            await target.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Target Connect(string configuration)
    {
        // Start without the cache rather than fail: reads bypass it until it answers.
        if (!configuration.Contains("abortConnect=", StringComparison.OrdinalIgnoreCase))
        {
            configuration += ",abortConnect=false";
        }
        Task<ConnectionMultiplexer> connection;
        try
        {
            connection = ConnectionMultiplexer.ConnectAsync(configuration);
        }
        catch (Exception ex)
        {
            // A configuration the client rejects outright: keep the replica up, reads bypass the cache.
            connection = Task.FromException<ConnectionMultiplexer>(ex);
        }
        _ = connection.ContinueWith(
            t => _logger.LogWarning(t.Exception, "Could not connect to the cache {Configuration}", Redact(configuration)),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
        return new Target(configuration, connection, _time.GetUtcNow());
    }

    private static string Redact(string configuration)
        => string.Join(',', configuration.Split(',').Select(p => p.StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : p));

    private sealed record Target(string Configuration, Task<ConnectionMultiplexer> Connection, DateTimeOffset StartedAt) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (Connection.IsCompletedSuccessfully)
            {
                await Connection.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
