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
/// When the invalidation itself fails (the cache is unreachable at the write), or a master dies with tombstones its
/// replica has not received, the cache is fenced and the writes are replayed from the database (<see cref="CacheFence"/>).
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

    private static readonly Counter<long> s_invalidations = Meter.CreateCounter<long>(
        "webfrontend.cache.invalidations", "{invalidation}",
        "Invalidations after writes by outcome (cache.invalidation = deleted, confirmed, unconfirmed, unconfirmed-no-replica, failed-fenced).");

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
        // A fenced cache may have lost invalidations (a master died): CatalogApi answers until they are replayed.
        if (lease.Target is { } target && !IsBackingOff(target) && target.Fence.IsOpen)
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
    /// cache this replica uses (a tombstone that refuses fills of older versions while they can be in flight). With
    /// WAIT enabled the tombstone is confirmed by Redis replicas (<c>WAIT n</c>, a short timeout, never retried: a
    /// master left without a replica is not asked again for a while). A write never waits out a failover: when the
    /// tombstone cannot be written, this replica's cache is fenced (<see cref="CacheFence"/>) until the write is
    /// replayed from the database, and a tombstone a dead master took with it is replayed the same way. Returns the
    /// <c>X-Cache-Invalidation</c> value: <c>deleted</c>, <c>confirmed-by-N</c>, <c>unconfirmed</c>,
    /// <c>unconfirmed-no-replica</c>, <c>failed-fenced</c> or <c>none</c>.
    /// </summary>
    public async Task<string> InvalidateAsync(int id, int version)
    {
        using var activity = ActivitySource.StartActivity("cache delete product");
        activity?.SetTag("cache.key", CacheKey(id));
        // One cache for the tombstone and its WAIT: a switch meanwhile must not split them.
        using var lease = cache.Acquire();
        if (lease.Target is not { } target)
        {
            activity?.SetTag("cache.invalidation", "none");
            return "none";
        }
        var settings = options.CurrentValue;
        RedisKey key = CacheKey(id);
        string outcome;
        try
        {
            using (var timeout = new CancellationTokenSource(settings.Timeout))
            using (target.BeginWrite(key))
            {
                await VersionedCache.InvalidateAsync(target.Database, key, version, settings.TombstoneTtl, timeout.Token).ConfigureAwait(false);
            }
            outcome = target.Settings.WaitForReplicas > 0 ? await ConfirmAsync(target, key, id, settings).ConfigureAwait(false) : "deleted";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CacheFailed(target, ex, "delete", id);
            target.Fence.Close($"the invalidation of product {id} failed");
            outcome = "failed-fenced";
        }
        activity?.SetTag("cache.invalidation", outcome);
        s_invalidations.Add(1, new KeyValuePair<string, object?>("cache.invalidation", outcome.StartsWith("confirmed", StringComparison.Ordinal) ? "confirmed" : outcome));
        return outcome;
    }

    // WAIT counts the writes of the connection it is sent on: the one to the master owning the key, which carried the
    // tombstone. Too few confirmations cost nothing more than this wait: should that master die before a replica has
    // the tombstone, the fence replays it.
    private async Task<string> ConfirmAsync(CacheTarget target, RedisKey key, int id, CacheOptions settings)
    {
        var wanted = target.Settings.WaitForReplicas;
        var server = target.ServerFor(key);
        if (target.MastersWithoutReplicas.Contains(server, wanted, settings.RetryAfter))
        {
            return "unconfirmed-no-replica";
        }
        var confirmed = (long)await server.ExecuteAsync("WAIT", [wanted, (long)Math.Ceiling(settings.WaitTimeout.TotalMilliseconds)])
            .WaitAsync(settings.WaitTimeout + settings.Timeout).ConfigureAwait(false);
        if (confirmed >= wanted)
        {
            return $"confirmed-by-{confirmed}";
        }
        target.MastersWithoutReplicas.Note(server);
        logger.LogWarning("The invalidation of product {Id} was confirmed by {Confirmed} of {Wanted} Redis replicas of {Master}; writes to it skip WAIT until it has them again",
            id, confirmed, wanted, server.EndPoint);
        return "unconfirmed";
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
        if (product is null || target is null || !target.Fence.IsOpen)
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
