using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RedisClient;

namespace WebFrontend.Services;

/// <summary>
/// Cache-aside reads and invalidating writes of products. A read looks in the cache (<c>product:{id}</c>); on a
/// miss it loads from CatalogApi and stores the JSON with a TTL. Concurrent misses of one id in this replica
/// share one CatalogApi call. A write goes to CatalogApi first, then deletes the key from the cache this replica
/// uses. When the cache fails, reads and writes carry on against CatalogApi alone.
/// </summary>
/// <remarks>
/// A singleton: the loads in flight and the cache's back-off are state of the replica. Known limit of
/// cache-aside: a load in another replica that read the old version just before a write can still store it after
/// the write's delete; the TTL bounds how long that copy lives.
/// </remarks>
public sealed class ProductService(
    IHttpClientFactory httpClientFactory,
    CacheConnection cache,
    IOptionsMonitor<CacheOptions> options,
    TimeProvider time,
    ILogger<ProductService> logger)
{
    /// <summary>The source of the cache spans (<c>cache.result</c> = hit, miss or bypass).</summary>
    public static readonly ActivitySource ActivitySource = new("WebFrontend");

    /// <summary>The meter of the cache counters (the same name as the ActivitySource).</summary>
    public static readonly Meter Meter = new("WebFrontend");

    private static readonly Counter<long> s_reads = Meter.CreateCounter<long>(
        "webfrontend.cache.reads", "{read}", "Product reads by where they were served from (cache.result = hit, miss, bypass).");

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    // The loads in flight, one per product id.
    private readonly ConcurrentDictionary<int, Lazy<Task<Loaded>>> _loads = new();

    // After a cache failure reads skip the cache until this time, so a dead cache costs one timeout, not one per request.
    private long _cacheRetryAtTicks;

    // Incremented by every write through this replica. A load that saw it change while it was reading from
    // CatalogApi may hold the version from before the write, so it serves it but does not cache it.
    private long _writes;

    private CatalogClient Catalog => new(httpClientFactory.CreateClient(nameof(CatalogClient)));

    /// <summary>The cache key of a product.</summary>
    public static string CacheKey(int id) => $"product:{id}";

    /// <summary>Reads a product through the cache.</summary>
    public async Task<ProductRead> GetAsync(int id, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("cache get product");
        activity?.SetTag("cache.key", CacheKey(id));

        var read = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("cache.result", Format(read.Cache));
        s_reads.Add(1, new KeyValuePair<string, object?>("cache.result", Format(read.Cache)));
        return read;
    }

    private async Task<ProductRead> ReadAsync(int id, CancellationToken cancellationToken)
    {
        var database = await TryGetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        if (database is not null)
        {
            var cached = await TryGetCachedAsync(database, id, cancellationToken).ConfigureAwait(false);
            if (cached is { Product: { } product })
            {
                return new(product, CacheStatus.Hit);
            }
            if (cached is null)
            {
                var loaded = await LoadSharedAsync(id, database, cancellationToken).ConfigureAwait(false);
                return new(loaded.Product, loaded.FromCache ? CacheStatus.Hit : loaded.CacheFailed ? CacheStatus.Bypass : CacheStatus.Miss);
            }
            // The cache failed: fall through to CatalogApi alone.
        }
        var direct = await LoadSharedAsync(id, null, cancellationToken).ConfigureAwait(false);
        return new(direct.Product, CacheStatus.Bypass);
    }

    /// <summary>
    /// Sets the price in CatalogApi, then deletes the cached copy; the answer is CatalogApi's (the new product,
    /// or its ProblemDetails). A failed delete is logged, not returned: the write itself succeeded.
    /// </summary>
    public async Task<CatalogResponse> UpdatePriceAsync(int id, decimal price, string? ifMatch, CancellationToken cancellationToken)
    {
        var response = await Catalog.UpdatePriceAsync(id, price, ifMatch, cancellationToken).ConfigureAwait(false);
        if (response.Product is not null)
        {
            return response with { Invalidation = await InvalidateAsync(id).ConfigureAwait(false) };
        }
        return response;
    }

    /// <summary>
    /// Forgets a product in this replica: the load in flight and the key in the cache it uses. With WAIT enabled
    /// the delete is confirmed by Redis replicas (<c>WAIT n</c>), retried while the cache fails over, so a promoted
    /// replica cannot bring the deleted value back. Returns the <c>X-Cache-Invalidation</c> value.
    /// </summary>
    public async Task<string> InvalidateAsync(int id)
    {
        // A read starting after this write must not join a load that began before it, and a load that began
        // before it must not put the old version back into the cache after the delete below.
        Interlocked.Increment(ref _writes);
        _loads.TryRemove(id, out _);
        using var activity = ActivitySource.StartActivity("cache delete product");
        activity?.SetTag("cache.key", CacheKey(id));
        var waitForReplicas = cache.Settings.WaitForReplicas;
        var deadline = time.GetUtcNow() + (waitForReplicas > 0 ? options.CurrentValue.InvalidationDeadline : TimeSpan.Zero);
        var outcome = "failed";
        while (true)
        {
            try
            {
                var attemptTimeout = options.CurrentValue.Timeout;
                using var timeout = new CancellationTokenSource(attemptTimeout * (waitForReplicas > 0 ? 3 : 1));
                if (await cache.GetDatabaseAsync(timeout.Token).ConfigureAwait(false) is not { } database)
                {
                    outcome = "none";
                    break;
                }
                await database.KeyDeleteAsync(CacheKey(id), timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
                if (waitForReplicas == 0)
                {
                    outcome = "deleted";
                    break;
                }
                var confirmed = await database.WaitAsync(CacheKey(id), waitForReplicas, attemptTimeout, timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
                if (confirmed >= waitForReplicas)
                {
                    outcome = $"confirmed-by-{confirmed}";
                    break;
                }
                outcome = "unconfirmed";
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                CacheFailed(ex, "delete", id);
                outcome = "failed";
            }
            if (time.GetUtcNow() >= deadline)
            {
                break;
            }
            // The master is failing over: try again until a replica has the delete, or the deadline.
            await Task.Delay(TimeSpan.FromMilliseconds(100), time).ConfigureAwait(false);
        }
        activity?.SetTag("cache.invalidation", outcome);
        if (waitForReplicas > 0 && !outcome.StartsWith("confirmed", StringComparison.Ordinal))
        {
            logger.LogWarning("The invalidation of product {Id} is {Outcome}: no Redis replica confirmed the delete within {Deadline}", id, outcome, options.CurrentValue.InvalidationDeadline);
        }
        return outcome;
    }

    private async Task<IDatabase?> TryGetDatabaseAsync(CancellationToken cancellationToken)
    {
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _cacheRetryAtTicks))
        {
            return null;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.CurrentValue.Timeout);
            return await cache.GetDatabaseAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            CacheFailed(ex, "connect", 0);
            return null;
        }
    }

    // Null: not in the cache. A Cached with a null product: the cache failed.
    private async Task<Cached?> TryGetCachedAsync(IDatabase database, int id, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.CurrentValue.Timeout);
            var value = await database.StringGetAsync(CacheKey(id), timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
            return value.IsNull ? null : new Cached(JsonSerializer.Deserialize<Product>(value.AsMemory().Span, s_json));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            CacheFailed(ex, "get", id);
            return new Cached(null);
        }
    }

    private async Task<Loaded> LoadSharedAsync(int id, IDatabase? database, CancellationToken cancellationToken)
    {
        var load = _loads.GetOrAdd(id, static (key, state) => new Lazy<Task<Loaded>>(
            () => state.Service.LoadAsync(key, state.Database)), (Service: this, Database: database));
        try
        {
            // The load is shared: one caller giving up must not cancel it for the others.
            return await load.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (load.Value.IsCompleted)
            {
                _loads.TryRemove(new KeyValuePair<int, Lazy<Task<Loaded>>>(id, load));
            }
        }
    }

    private async Task<Loaded> LoadAsync(int id, IDatabase? database)
    {
        // A load that just finished may have filled the cache after this caller's miss: look once more so that
        // a burst of misses makes exactly one CatalogApi call.
        if (database is not null && await TryGetCachedAsync(database, id, CancellationToken.None).ConfigureAwait(false) is { Product: { } cached })
        {
            return new(cached, FromCache: true, CacheFailed: false);
        }

        var writes = Interlocked.Read(ref _writes);
        var product = await Catalog.GetItemAsync(id, CancellationToken.None).ConfigureAwait(false);
        if (product is null || database is null || Interlocked.Read(ref _writes) != writes)
        {
            return new(product, FromCache: false, CacheFailed: false);
        }

        try
        {
            using var timeout = new CancellationTokenSource(options.CurrentValue.Timeout);
            var json = JsonSerializer.SerializeToUtf8Bytes(product, s_json);
            await database.StringSetAsync(CacheKey(id), json, options.CurrentValue.Ttl, When.Always, timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
            return new(product, FromCache: false, CacheFailed: false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CacheFailed(ex, "set", id);
            return new(product, FromCache: false, CacheFailed: true);
        }
    }

    private void CacheFailed(Exception exception, string operation, int id)
    {
        Interlocked.Exchange(ref _cacheRetryAtTicks, (time.GetUtcNow() + options.CurrentValue.RetryAfter).UtcTicks);
        logger.LogWarning("Cache {Operation} failed for product {Id}, serving from CatalogApi: {Message}", operation, id, exception.Message);
    }

    /// <summary>The <c>X-Cache</c> value of a status.</summary>
    public static string Format(CacheStatus status) => status switch
    {
        CacheStatus.Hit => "hit",
        CacheStatus.Miss => "miss",
        _ => "bypass",
    };

    private sealed record Cached(Product? Product);

    private readonly record struct Loaded(Product? Product, bool FromCache, bool CacheFailed);
}
