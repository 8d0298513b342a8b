using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace WebFrontend.Services;

/// <summary>
/// Cache-aside reads and invalidating writes of products. A read looks in the cache (<c>product:{id}</c>); on a
/// miss it loads from CatalogApi and fills the cache with a TTL. Concurrent misses of one id in this replica
/// share one CatalogApi call. A write goes to CatalogApi first, then invalidates the key in the cache this replica
/// uses. When the cache fails, reads and writes carry on against CatalogApi alone.
/// </summary>
/// <remarks>
/// <para>
/// A singleton: the loads in flight and the cache's back-off are state of the replica.
/// </para>
/// <para>
/// No read that starts after a write was acknowledged returns an older version, whichever replica wrote. The
/// cache holds versions (<see cref="VersionedCache"/>): the invalidation is a tombstone carrying the written
/// version, set before the write is acknowledged, and a fill never stores a version older than the key's, so a
/// load that read the old version just before another replica's write cannot put it back. In this replica a
/// miss shares a load only if the load has not read anything yet: a load that already asked CatalogApi may have
/// been answered before a write this caller has seen, so later misses queue for the next load, which starts when
/// it ends (and usually finds the value it stored).
/// </para>
/// <para>
/// Known limit: when the invalidation itself fails (the cache is unreachable at the write), the old entry stays
/// until its TTL.
/// </para>
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

    // The loads of this replica, a queue per product id.
    private readonly ConcurrentDictionary<int, LoadQueue> _loads = new();

    // After a cache failure reads skip that cache (that switch of it) until a time, so a dead cache costs one
    // timeout, not one per request; a switch to another cache is tried at once.
    private Backoff? _backoff;

    private CatalogClient Catalog => new(httpClientFactory.CreateClient(nameof(CatalogClient)));

    /// <summary>What every product key starts with.</summary>
    public const string KeyPrefix = "product:";

    /// <summary>The cache key of a product: one key, so the scripts touch one slot of a cluster.</summary>
    public static string CacheKey(int id) => KeyPrefix + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
        using var lease = cache.Acquire();
        if (lease.Target is { } target && !IsBackingOff(target))
        {
            var cached = await TryGetCachedAsync(target, id, cancellationToken).ConfigureAwait(false);
            if (cached is { Product: { } product })
            {
                return new(product, CacheStatus.Hit);
            }
            if (cached is null)
            {
                var loaded = await LoadSharedAsync(id, target, cancellationToken).ConfigureAwait(false);
                return new(loaded.Product, loaded.FromCache ? CacheStatus.Hit : loaded.CacheFailed ? CacheStatus.Bypass : CacheStatus.Miss);
            }
            // The cache failed: fall through to CatalogApi alone.
        }
        var direct = await LoadSharedAsync(id, null, cancellationToken).ConfigureAwait(false);
        return new(direct.Product, CacheStatus.Bypass);
    }

    /// <summary>
    /// Sets the price in CatalogApi, then invalidates the cached copy; the answer is CatalogApi's (the new product,
    /// or its ProblemDetails). A failed invalidation is logged, not returned: the write itself succeeded.
    /// </summary>
    public async Task<CatalogResponse> UpdatePriceAsync(int id, decimal price, string? ifMatch, CancellationToken cancellationToken)
    {
        var response = await Catalog.UpdatePriceAsync(id, price, ifMatch, cancellationToken).ConfigureAwait(false);
        if (response.Product is { } product)
        {
            return response with { Invalidation = await InvalidateAsync(id, product.Version).ConfigureAwait(false) };
        }
        return response;
    }

    /// <summary>
    /// Invalidates a product after a write that produced <paramref name="version"/>: a versioned delete in the
    /// cache this replica uses (a tombstone that refuses fills of older versions while they can be in flight).
    /// With WAIT enabled the tombstone is confirmed by Redis replicas (<c>WAIT n</c>), retried while the cache fails
    /// over, so a promoted replica cannot bring the old value back. Returns the <c>X-Cache-Invalidation</c> value.
    /// </summary>
    public async Task<string> InvalidateAsync(int id, int version)
    {
        using var activity = ActivitySource.StartActivity("cache delete product");
        activity?.SetTag("cache.key", CacheKey(id));
        // One cache for every attempt: a switch during the retries must not leave the tombstone half in one
        // cache and the WAIT in another.
        using var lease = cache.Acquire();
        if (lease.Target is not { } target)
        {
            activity?.SetTag("cache.invalidation", "none");
            return "none";
        }
        var waitForReplicas = target.Settings.WaitForReplicas;
        var deadline = time.GetUtcNow() + (waitForReplicas > 0 ? options.CurrentValue.InvalidationDeadline : TimeSpan.Zero);
        RedisKey key = CacheKey(id);
        string outcome;
        while (true)
        {
            try
            {
                var attemptTimeout = options.CurrentValue.Timeout;
                using var timeout = new CancellationTokenSource(attemptTimeout * (waitForReplicas > 0 ? 3 : 1));
                using (target.BeginWrite(key))
                {
                    await VersionedCache.InvalidateAsync(target.Database, key, version, options.CurrentValue.TombstoneTtl, timeout.Token).ConfigureAwait(false);
                }
                if (waitForReplicas == 0)
                {
                    outcome = "deleted";
                    break;
                }
                // WAIT counts the writes of the connection it is sent on: the one to the master owning the key,
                // which carried the tombstone.
                var confirmed = (long)await target.ServerFor(key)
                    .ExecuteAsync("WAIT", [waitForReplicas, (long)attemptTimeout.TotalMilliseconds])
                    .WaitAsync(timeout.Token).ConfigureAwait(false);
                if (confirmed >= waitForReplicas)
                {
                    outcome = $"confirmed-by-{confirmed}";
                    break;
                }
                outcome = "unconfirmed";
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                CacheFailed(target, ex, "delete", id);
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
            logger.LogWarning("The invalidation of product {Id} is {Outcome}: no Redis replica confirmed it within {Deadline}", id, outcome, options.CurrentValue.InvalidationDeadline);
        }
        return outcome;
    }

    private bool IsBackingOff(CacheTarget target)
        => Volatile.Read(ref _backoff) is { } backoff && backoff.Target == target && time.GetUtcNow().UtcTicks < backoff.UntilTicks;

    // Null: not in the cache (absent, or a tombstone). A Cached with a null product: the cache failed.
    private async Task<Cached?> TryGetCachedAsync(CacheTarget target, int id, CancellationToken cancellationToken)
    {
        try
        {
            var read = await target.GetAsync(CacheKey(id)).AsTask().WaitAsync(options.CurrentValue.Timeout, cancellationToken).ConfigureAwait(false);
            var value = read.Value;
            Activity.Current?.SetTag("cache.local", read.ServedLocally);
            return !value.IsNull && VersionedCache.TryDecode(((ReadOnlyMemory<byte>)value).Span, out _, out var json)
                ? new Cached(JsonSerializer.Deserialize<Product>(json, s_json))
                : null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            CacheFailed(target, ex, "get", id);
            return new Cached(null);
        }
    }

    private async Task<Loaded> LoadSharedAsync(int id, CacheTarget? target, CancellationToken cancellationToken)
    {
        while (true)
        {
            var queue = _loads.GetOrAdd(id, static _ => new LoadQueue());
            Load load;
            var start = false;
            lock (queue)
            {
                if (queue.Ended)
                {
                    // Its last load just ended and took it out of _loads: use a new queue.
                    continue;
                }
                if (queue.Running is null)
                {
                    load = queue.Running = new Load(After: null);
                    start = true;
                }
                else if (queue.Next is null)
                {
                    // The running load may have been answered before a write this caller has seen: the next load
                    // starts reading when it ends.
                    load = queue.Next = new Load(After: queue.Running.Result.Task);
                    start = true;
                }
                else
                {
                    load = queue.Next;
                }
            }
            if (start)
            {
                // Started by the caller that made the load, in its context (its trace). It holds a lease of its
                // own: the callers waiting for it may give up before it fills the cache.
                var lease = target is not null && target.TryAcquire() ? new CacheLease(target) : default;
                _ = RunAsync(id, queue, load, lease);
            }

            // The load is shared: one caller giving up must not cancel it for the others.
            return await load.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(int id, LoadQueue queue, Load load, CacheLease lease)
    {
        using var _ = lease;
        if (load.After is { } after)
        {
            await ((Task)after).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (queue)
            {
                // From here on this load reads: misses arriving now wait for the one after it.
                queue.Running = load;
                queue.Next = null;
            }
        }

        Loaded loaded = default;
        Exception? error = null;
        try
        {
            loaded = await LoadAsync(id, lease.Target).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        lock (queue)
        {
            if (queue.Next is null)
            {
                queue.Ended = true;
                _loads.TryRemove(new KeyValuePair<int, LoadQueue>(id, queue));
            }
        }
        if (error is null)
        {
            load.Result.SetResult(loaded);
        }
        else
        {
            load.Result.SetException(error);
        }
    }

    private async Task<Loaded> LoadAsync(int id, CacheTarget? target)
    {
        // A load that just ended may have filled the cache after this caller's miss: look once more, so that a
        // burst of misses makes one CatalogApi call.
        if (target is not null && await TryGetCachedAsync(target, id, CancellationToken.None).ConfigureAwait(false) is { Product: { } cached })
        {
            return new(cached, FromCache: true, CacheFailed: false);
        }

        var started = time.GetTimestamp();
        var product = await Catalog.GetItemAsync(id, CancellationToken.None).ConfigureAwait(false);
        if (product is null || target is null)
        {
            return new(product, FromCache: false, CacheFailed: false);
        }

        // A write this answer predates committed after `started`, and its tombstone was set after that and lives
        // TombstoneTtl: fill only while at least half of it is left for the script to reach Redis.
        var settings = options.CurrentValue;
        if (time.GetElapsedTime(started) > settings.TombstoneTtl / 2)
        {
            logger.LogWarning("Product {Id} took {Elapsed} to load: served, not cached", id, time.GetElapsedTime(started));
            return new(product, FromCache: false, CacheFailed: false);
        }

        try
        {
            using var activity = ActivitySource.StartActivity("cache fill product");
            activity?.SetTag("cache.key", CacheKey(id));
            using var timeout = new CancellationTokenSource(settings.Timeout);
            var json = JsonSerializer.SerializeToUtf8Bytes(product, s_json);
            RedisKey key = CacheKey(id);
            var value = VersionedCache.Encode(product.Version, json);
            using var write = target.BeginWrite(key);
            var stored = await VersionedCache.FillValueAsync(target.Database, key, product.Version, value, settings.Ttl, timeout.Token).ConfigureAwait(false);
            if (stored)
            {
                // The next read of this replica may be served from the near cache's copy.
                write.Keep(value);
            }
            activity?.SetTag("cache.fill", stored ? "stored" : "refused");
            return new(product, FromCache: false, CacheFailed: false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CacheFailed(target, ex, "fill", id);
            return new(product, FromCache: false, CacheFailed: true);
        }
    }

    private void CacheFailed(CacheTarget target, Exception exception, string operation, int id)
    {
        target.Failed(exception);
        Volatile.Write(ref _backoff, new Backoff(target, (time.GetUtcNow() + options.CurrentValue.RetryAfter).UtcTicks));
        logger.LogWarning("Cache {Operation} failed for product {Id} on '{Cache}', serving from CatalogApi: {Message}", operation, id, target.Name, exception.Message);
    }

    /// <summary>The <c>X-Cache</c> value of a status.</summary>
    public static string Format(CacheStatus status) => status switch
    {
        CacheStatus.Hit => "hit",
        CacheStatus.Miss => "miss",
        _ => "bypass",
    };

    private sealed record Cached(Product? Product);

    private sealed record Backoff(CacheTarget Target, long UntilTicks);

    // One load of a product, started after the load `After` ended; the callers that share it await Result.
    private sealed record Load(Task<Loaded>? After)
    {
        public TaskCompletionSource<Loaded> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // The loads of one product id, guarded by locking the queue: Running is reading (from the cache, then
    // CatalogApi), Next collects the misses that arrive meanwhile and reads when Running ends. Ended: out of
    // _loads, a caller holding it must take a new one.
    private sealed class LoadQueue
    {
        public Load? Running { get; set; }

        public Load? Next { get; set; }

        public bool Ended { get; set; }
    }

    private readonly record struct Loaded(Product? Product, bool FromCache, bool CacheFailed);
}
