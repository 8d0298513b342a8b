using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoadGen.FunctionalTests;

/// <summary>
/// A real HTTP server on 127.0.0.1 that keeps WebFrontend's contract behind a simulated load balancer: product reads
/// with <c>X-Served-By</c>, <c>X-Cache</c>, <c>ETag</c> and a version; price writes that bump the version; and
/// CatalogApi's <c>/api/catalog/stats</c>. It lets LoadGen be tested on its own; it is not the sample's system.
/// </summary>
internal sealed class FakeStorefront : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeStorefrontOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (long Version, decimal Price)> _database = [];
    private readonly Dictionary<int, (long Version, decimal Price)> _sharedCache = [];
    private readonly Dictionary<int, (long Version, decimal Price)> _staleReplicaCache = [];
    private readonly SemaphoreSlim _serial = new(1, 1);
    private long _roundRobin;
    private long _itemReads;
    private long _writes;
    private long _failedWrites;
    private volatile bool _staleLastReplica;

    private FakeStorefront(WebApplication app, FakeStorefrontOptions options)
    {
        _app = app;
        _options = options;
        _staleLastReplica = options.StaleLastReplica;
    }

    public string BaseUrl { get; private set; } = "";

    public long FailedWrites => Interlocked.Read(ref _failedWrites);

    /// <summary>
    /// What a topology switch does to the caches: both emptied, and the last replica given a cache of its own (naive)
    /// or the shared one again.
    /// </summary>
    public void SwitchCaches(bool staleLastReplica)
    {
        lock (_lock)
        {
            _sharedCache.Clear();
            _staleReplicaCache.Clear();
            _staleLastReplica = staleLastReplica;
        }
    }

    public static async Task<FakeStorefront> StartAsync(FakeStorefrontOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeStorefront(app, options ?? new FakeStorefrontOptions());
        app.MapGet("/api/products/{id:int}", fake.ReadAsync);
        app.MapPut("/api/products/{id:int}/price", fake.WriteAsync);
        app.MapGet("/api/catalog/stats", () => Results.Json(new { itemReads = Interlocked.Read(ref fake._itemReads), listReads = 0, writes = Interlocked.Read(ref fake._writes) }));
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ReadAsync(int id, HttpContext context)
    {
        await SimulateServiceTimeAsync(id, context.RequestAborted);
        var replica = Route(context);
        (long Version, decimal Price) product;
        string cache;
        lock (_lock)
        {
            var own = _staleLastReplica && replica == _options.Replicas - 1 ? _staleReplicaCache : _sharedCache;
            if (!_options.Cache)
            {
                product = Load(id);
                cache = "bypass";
            }
            else if (own.TryGetValue(id, out product))
            {
                cache = "hit";
            }
            else
            {
                product = own[id] = Load(id);
                cache = "miss";
            }
        }

        await Respond(context, id, product, replica, cache);
    }

    private async Task WriteAsync(int id, HttpContext context)
    {
        await SimulateServiceTimeAsync(0, context.RequestAborted);
        var replica = Route(context);
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        if (!body.RootElement.TryGetProperty("price", out var priceElement) || !priceElement.TryGetDecimal(out var price) || price <= 0)
        {
            await Results.Problem("price must be a positive number", statusCode: 400).ExecuteAsync(context);
            return;
        }

        if (_options.FailingWriteRatio > 0 && Random.Shared.NextDouble() < _options.FailingWriteRatio)
        {
            Interlocked.Increment(ref _failedWrites);
            // The error body even carries the version the write would have had: LoadGen must still not acknowledge it.
            long wouldBe;
            lock (_lock)
            {
                wouldBe = (_database.TryGetValue(id, out var row) ? row.Version : 1) + 1;
            }

            context.Response.StatusCode = 503;
            await context.Response.WriteAsJsonAsync(new { id, version = wouldBe });
            return;
        }

        (long Version, decimal Price) product;
        lock (_lock)
        {
            product = (Load(id).Version + 1, price);
            _database[id] = product;
            Interlocked.Increment(ref _writes);
            // The writing replica invalidates the cache it uses: the shared one, or its own in the naive case.
            var own = _staleLastReplica && replica == _options.Replicas - 1 ? _staleReplicaCache : _sharedCache;
            own.Remove(id);
        }

        await Respond(context, id, product, replica, "bypass");
    }

    private (long Version, decimal Price) Load(int id)
    {
        Interlocked.Increment(ref _itemReads);
        return _database.TryGetValue(id, out var row) ? row : (1, 10m);
    }

    private int Route(HttpContext context)
    {
        if (_options.StickyCookie && context.Request.Cookies.TryGetValue("lb", out var pinned) && int.TryParse(pinned, out var index))
        {
            return index;
        }

        var chosen = (int)((Interlocked.Increment(ref _roundRobin) - 1) % _options.Replicas);
        if (_options.StickyCookie)
        {
            context.Response.Cookies.Append("lb", chosen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return chosen;
    }

    private async Task SimulateServiceTimeAsync(int id, CancellationToken cancellationToken)
    {
        if (_options.SlowProduct is { } slow && slow.ProductId == id)
        {
            await Task.Delay(slow.Delay, cancellationToken);
        }

        if (_options.SerializedServiceTime > TimeSpan.Zero)
        {
            await _serial.WaitAsync(cancellationToken);
            try
            {
                await Task.Delay(_options.SerializedServiceTime, cancellationToken);
            }
            finally
            {
                _serial.Release();
            }
        }
    }

    private static Task Respond(HttpContext context, int id, (long Version, decimal Price) product, int replica, string cache)
    {
        context.Response.Headers["X-Served-By"] = "web-" + replica;
        context.Response.Headers["X-Cache"] = cache;
        context.Response.Headers.ETag = $"\"{product.Version}\"";
        return context.Response.WriteAsJsonAsync(new { id, name = "Product " + id, price = product.Price, stock = 5, version = product.Version });
    }
}
