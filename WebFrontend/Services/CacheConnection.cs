using NearCaching;
using OpenTelemetry.Instrumentation.StackExchangeRedis;

namespace WebFrontend.Services;

/// <summary>
/// The cache this replica uses right now, switched at run time (<c>PUT /admin/cache</c>) without a restart. A switch
/// opens the new multiplexer and proves it with a PING before it becomes current; the old one stops taking new
/// requests at once and is closed when the requests that hold it (<see cref="CacheLease"/>) are done, so no
/// connection outlives its use.
/// </summary>
/// <remarks>The Redis instrumentation is there when tracing is on (see <see cref="RedisCaches.AddRedisCaches"/>).</remarks>
public sealed class CacheConnection(
    RedisCaches caches,
    ReplicaIdentity identity,
    CacheFenceServices fenceServices,
    ILoggerFactory loggerFactory,
    StackExchangeRedisInstrumentation? instrumentation = null) : IAsyncDisposable
{
    /// <summary>How long a switch waits for the new cache to answer PING before it gives up and changes nothing.</summary>
    public static readonly TimeSpan SwitchTimeout = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger = loggerFactory.CreateLogger<CacheConnection>();
    private readonly SemaphoreSlim _switching = new(1, 1);
    private readonly List<Task> _retiring = [];
    private CacheTarget? _current;
    private long _generation;

    /// <summary>The caches this replica can use.</summary>
    public RedisCaches Caches => caches;

    /// <summary>The cache in use, or null. Requests take it with <see cref="Acquire"/>, not from here.</summary>
    public CacheTarget? Current => Volatile.Read(ref _current);

    /// <summary>What this replica uses now.</summary>
    public CacheSettings Settings => Current?.Settings ?? CacheSettings.None;

    /// <summary>The cache for one request (or one load); dispose the lease when done with it.</summary>
    public CacheLease Acquire()
    {
        while (true)
        {
            var target = Volatile.Read(ref _current);
            if (target is null)
            {
                return default;
            }
            if (target.TryAcquire())
            {
                return new CacheLease(target);
            }
            // Retired by a switch between the read and the acquire: the switch has already published its successor.
        }
    }

    /// <summary>Switches to cache <paramref name="name"/> (none when null), without near cache or WAIT.</summary>
    public Task<TimeSpan?> SwitchAsync(string? name)
        => SwitchAsync(name is null ? CacheSettings.None : new CacheSettings(name, NearCacheKind.None, 0), CancellationToken.None);

    /// <summary>
    /// Opens the cache of <paramref name="settings"/> and proves it with a PING, then makes it current; the
    /// previous one is closed once the requests using it are done. When the new cache does not answer within
    /// <see cref="SwitchTimeout"/>, nothing changes and a <see cref="CacheUnavailableException"/> says why. Returns
    /// the PING round trip (null when switching to none).
    /// </summary>
    /// <exception cref="CacheConfigurationException">The name is unknown or its connection string is not valid.</exception>
    public async Task<TimeSpan?> SwitchAsync(CacheSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await _switching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            CacheTarget? next = null;
            TimeSpan? roundTrip = null;
            if (settings.Name is { } name)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(SwitchTimeout);
                next = await OpenAsync(settings, timeout.Token, cancellationToken).ConfigureAwait(false);
                try
                {
                    roundTrip = await next.Database.PingAsync().WaitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    await next.RetireAsync().ConfigureAwait(false);
                    throw CacheUnavailableException.Create(name, next.Configuration, ex);
                }
                catch
                {
                    await next.RetireAsync().ConfigureAwait(false);
                    throw;
                }
            }
            Publish(next);
            return roundTrip;
        }
        finally
        {
            _switching.Release();
        }
    }

    /// <summary>
    /// At start (<c>Cache:Name</c>): uses the cache without waiting for it to answer, so a replica whose cache is
    /// still starting (or down) starts anyway; reads bypass the cache and <c>/health</c> says why until it answers.
    /// </summary>
    public async Task UseAtStartAsync(CacheSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Name is null)
        {
            return;
        }
        await _switching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Publish(await OpenAsync(settings, cancellationToken, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _switching.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _current, null) is { } target)
        {
            await target.RetireAsync().ConfigureAwait(false);
        }
    }

    private void Publish(CacheTarget? next)
    {
        var previous = Interlocked.Exchange(ref _current, next);
        _logger.LogInformation("Cache switched to {Cache} ({Configuration}; near cache {NearCache}, WAIT {WaitForReplicas})",
            next?.Name ?? "none", next?.Configuration ?? "-", next?.Settings.NearCacheName ?? "none", next?.Settings.WaitForReplicas ?? 0);
        if (previous is not null)
        {
            // Not awaited: requests still holding it may take a while (a CatalogApi call); it closes after the last.
            var closed = previous.RetireAsync();
            lock (_retiring)
            {
                _retiring.RemoveAll(t => t.IsCompleted);
                _retiring.Add(closed);
            }
        }
    }

    /// <summary>Completes when every cache switched away from so far is closed.</summary>
    public Task WhenRetiredAsync()
    {
        lock (_retiring)
        {
            return Task.WhenAll(_retiring);
        }
    }

    // `giveUp` ends the attempt (the switch's timeout, or the caller): the caller's own cancellation is rethrown,
    // anything else becomes a CacheUnavailableException naming the connection string.
    private async Task<CacheTarget> OpenAsync(CacheSettings settings, CancellationToken giveUp, CancellationToken cancellationToken)
    {
        var name = settings.Name!;
        var options = caches.CreateOptions(name);
        var generation = Interlocked.Increment(ref _generation);
        // CLIENT LIST on the server then tells which replica, cache and switch each connection belongs to.
        options.ClientName = $"{identity.Instance}:{name}:{generation}";
        options.LoggerFactory ??= loggerFactory;
        var configuration = options.ToString(includePassword: false);
        ConnectionMultiplexer multiplexer;
        // AbortOnConnectFail is off (RedisCaches): this completes after the first attempt, connected or not.
        var connecting = ConnectionMultiplexer.ConnectAsync(options);
        try
        {
            multiplexer = await connecting.WaitAsync(giveUp).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Given up on, it may still connect: close it then.
            _ = connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            if (ex is RedisException or ArgumentException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw CacheUnavailableException.Create(name, configuration, ex);
            }
            throw;
        }
        var tracing = new List<IDisposable>();
        if (instrumentation?.AddConnection(name, multiplexer) is { } registration)
        {
            tracing.Add(registration);
        }
        NearCache? nearCache = null;
        if (settings.NearCache != NearCacheKind.None)
        {
            try
            {
                nearCache = await NearCache.CreateAsync(multiplexer, NearCacheOptionsFor(settings.NearCache), giveUp).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                tracing.ForEach(t => t.Dispose());
                await multiplexer.DisposeAsync().ConfigureAwait(false);
                if (ex is RedisException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    throw CacheUnavailableException.Create(name, configuration, ex);
                }
                throw;
            }
            if (nearCache.Database.Multiplexer != multiplexer && instrumentation?.AddConnection(name, nearCache.Database.Multiplexer) is { } nearRegistration)
            {
                // Tracking mode writes through connections of its own: trace them too.
                tracing.Add(nearRegistration);
            }
        }
        return new CacheTarget(settings, generation, multiplexer, nearCache, configuration, [.. tracing], fenceServices);
    }

    // The cached products are "v<version>|json" (VersionedCache), so a Coherent check compares the stamp and never
    // hashes the value; Tracking follows only the product keys.
    private static NearCacheOptions NearCacheOptionsFor(NearCacheKind kind) => kind == NearCacheKind.Tracking
        ? new NearCacheOptions { Mode = NearCacheMode.Tracking, TrackingPrefixes = [ProductService.KeyPrefix] }
        : new NearCacheOptions { Mode = NearCacheMode.Coherent, VersionStamp = NearCacheVersionStamp.Prefix };
}
