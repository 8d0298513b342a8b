using System.Globalization;
using RedisClient;

namespace WebFrontend.Services;

/// <summary>
/// The cache this replica uses right now: a Redis connection (optionally behind a near cache), or none (topology
/// <c>none</c>). It starts from <c>ConnectionStrings__cache</c> (and <c>Cache__NearCache</c>,
/// <c>Cache__WaitForReplicas</c>) and can be switched while the replica runs (<see cref="SwitchAsync(CacheSettings, CancellationToken)"/>),
/// which is how a topology change reaches a replica without a restart.
/// </summary>
public sealed class CacheConnection : IAsyncDisposable
{
    private static readonly TimeSpan s_reconnectAfter = TimeSpan.FromSeconds(5);

    // How long requests that already took the old connection get to finish their command before it is closed.
    private static readonly TimeSpan s_drainOldConnection = TimeSpan.FromSeconds(2);

    private readonly ILogger<CacheConnection> _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _switching = new(1, 1);
    private Target? _current;
    private CacheSettings _settings;

    /// <summary>Starts connecting to the cache named in <c>ConnectionStrings:cache</c>, when there is one.</summary>
    public CacheConnection(IConfiguration configuration, ILogger<CacheConnection> logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
        var connectionString = configuration.GetConnectionString("cache");
        if (!TryParseNearCache(configuration["Cache:NearCache"], out var nearCache))
        {
            throw new InvalidOperationException($"Cache:NearCache '{configuration["Cache:NearCache"]}' is not valid: use none, coherent or tracking.");
        }
        var waitForReplicas = int.TryParse(configuration["Cache:WaitForReplicas"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        _settings = string.IsNullOrWhiteSpace(connectionString)
            ? CacheSettings.None
            : new CacheSettings(connectionString, nearCache, waitForReplicas);
        _current = _settings.Configuration is null ? null : Connect(_settings);
    }

    /// <summary>The configuration string of the current cache, or null when there is none.</summary>
    public string? Configuration => Volatile.Read(ref _current)?.Settings.Configuration;

    /// <summary>What this replica uses now.</summary>
    public CacheSettings Settings => Volatile.Read(ref _settings);

    /// <summary>
    /// The database of the current cache (the near cache when one is configured), or null when no cache is
    /// configured. Throws when the cache cannot be connected to; a failed connection is attempted again after a
    /// few seconds.
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
            var retry = Connect(target.Settings);
            target = Interlocked.CompareExchange(ref _current, retry, target) == target ? retry : Volatile.Read(ref _current);
            if (target is null)
            {
                return null;
            }
        }
        return await target.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Points this replica at another cache (or at none when <paramref name="configuration"/> is null or empty),
    /// without a near cache or WAIT. Requests already running finish on the old connection, which is closed afterwards.
    /// </summary>
    public Task SwitchAsync(string? configuration)
        => SwitchAsync(string.IsNullOrWhiteSpace(configuration) ? CacheSettings.None : new CacheSettings(configuration, null, 0), CancellationToken.None);

    /// <summary>
    /// Connects to the cache of <paramref name="settings"/> and proves it with a PING, then makes it the cache of
    /// every new request; requests already running finish on the old connection, which is closed a moment later.
    /// When the new cache does not answer, nothing changes and the error is thrown. Returns the PING round trip.
    /// </summary>
    public async Task<TimeSpan?> SwitchAsync(CacheSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await _switching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Target? next = null;
            TimeSpan? roundTrip = null;
            if (settings.Configuration is not null)
            {
                next = Connect(settings);
                try
                {
                    var database = await next.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
                    roundTrip = await database.PingAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await next.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }
            var previous = Interlocked.Exchange(ref _current, next);
            Volatile.Write(ref _settings, settings);
            _logger.LogInformation("Cache switched to {Configuration} (near cache {NearCache}, WAIT {WaitForReplicas})",
                settings.RedactedConfiguration ?? "none", settings.NearCacheName, settings.WaitForReplicas);
            if (previous is not null)
            {
                _ = Task.Run(async () =>
                {
                    await Task.Delay(s_drainOldConnection, CancellationToken.None).ConfigureAwait(false);
                    await previous.DisposeAsync().ConfigureAwait(false);
                }, CancellationToken.None);
            }
            return roundTrip;
        }
        finally
        {
            _switching.Release();
        }
    }

    /// <summary>Parses a near cache name: none (or empty), coherent or tracking.</summary>
    public static bool TryParseNearCache(string? name, out NearCacheMode? mode)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case null or "" or "none":
                mode = null;
                return true;
            case "coherent":
                mode = NearCacheMode.Coherent;
                return true;
            case "tracking":
                mode = NearCacheMode.Tracking;
                return true;
            default:
                mode = null;
                return false;
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

    private Target Connect(CacheSettings settings)
    {
        var configuration = settings.Configuration!;
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
            t => _logger.LogWarning(t.Exception, "Could not connect to the cache {Configuration}", settings.RedactedConfiguration),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
        return new Target(settings, connection, _time.GetUtcNow());
    }

    private sealed class Target(CacheSettings settings, Task<ConnectionMultiplexer> connection, DateTimeOffset startedAt) : IAsyncDisposable
    {
        private readonly Lock _lock = new();
        private INearCacheDatabase? _nearCache;
        private bool _disposed;

        public CacheSettings Settings { get; } = settings;

        public Task<ConnectionMultiplexer> Connection { get; } = connection;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
        {
            var multiplexer = await Connection.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (Settings.NearCache is not { } mode)
            {
                return multiplexer.GetDatabase();
            }
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                // One near cache per connection: its local copies are only as good as the connection that keeps them current.
                return _nearCache ??= multiplexer.GetNearCacheDatabase(new NearCacheOptions { Mode = mode });
            }
        }

        public async ValueTask DisposeAsync()
        {
            INearCacheDatabase? nearCache;
            lock (_lock)
            {
                _disposed = true;
                nearCache = _nearCache;
            }
            if (nearCache is not null)
            {
                await nearCache.DisposeAsync().ConfigureAwait(false);
            }
            if (Connection.IsCompletedSuccessfully)
            {
                await Connection.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
