using System.Net.Http.Json;
using System.Text.Json;
using TestServers;

namespace WebFrontend.FunctionalTests;

/// <summary>
/// Postgres, a shared Redis, an OTLP receiver and CatalogApi (a real process exporting to it), shared by the
/// collection; more Redis servers and one 3+3 Redis Cluster on demand. Every process is ended on dispose.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _clusterLock = new(1, 1);
    private IReadOnlyList<RedisServers.RedisNode>? _cluster;

    /// <summary>Postgres with database <c>catalogdb</c>.</summary>
    public PostgresServer Postgres { get; private set; } = null!;

    /// <summary>Every Redis of the fixture (one password for all).</summary>
    public RedisServers Redis { get; } = new();

    /// <summary>The Redis the replicas share (<c>ConnectionStrings:cache</c>).</summary>
    public RedisServers.RedisNode SharedRedis { get; private set; } = null!;

    /// <summary>Where CatalogApi and the tracing tests' replicas export telemetry.</summary>
    public OtlpReceiver Otlp { get; private set; } = null!;

    /// <summary>The CatalogApi process.</summary>
    public CatalogApiProcess CatalogApi { get; private set; } = null!;

    /// <summary>A client of CatalogApi itself, to look behind the replicas.</summary>
    public HttpClient Catalog { get; private set; } = null!;

    /// <summary>The connection string of <paramref name="nodes"/> with the fixture's password.</summary>
    public string ConnectionString(params RedisServers.RedisNode[] nodes) => Redis.ConnectionString(nodes);

    /// <summary>A replica with <c>ConnectionStrings:cache</c> = the shared Redis, using it from the start.</summary>
    public WebFrontendFactory Replica(string instance = "webfrontend-1", string? otlpEndpoint = null)
        => new(CatalogApi.Address, new Dictionary<string, string> { ["cache"] = ConnectionString(SharedRedis) }, "cache", instance, otlpEndpoint);

    /// <summary>A replica whose only cache is <paramref name="cache"/> (as <c>cache</c>), using it from the start (behind <paramref name="nearCache"/>); none when null.</summary>
    public WebFrontendFactory ReplicaWithCache(string? cache, string instance = "webfrontend-1", string? nearCache = null)
        => new(CatalogApi.Address, cache is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["cache"] = cache }, cache is null ? null : "cache", instance, nearCache: nearCache);

    /// <summary>A replica with the given caches, using none at start (as the AppHost starts one).</summary>
    public WebFrontendFactory ReplicaWithCaches(IReadOnlyDictionary<string, string> caches, string instance = "webfrontend-1", Uri? catalogApi = null)
        => new(catalogApi ?? CatalogApi.Address, caches, null, instance);

    /// <summary>Starts another Redis (e.g. one a test kills); ended with the fixture at the latest.</summary>
    public Task<RedisServers.RedisNode> StartRedisAsync() => Redis.StartAsync();

    /// <summary>The fixture's Redis Cluster, 3 masters + 3 replicas, started on first use.</summary>
    public async Task<IReadOnlyList<RedisServers.RedisNode>> ClusterAsync()
    {
        await _clusterLock.WaitAsync();
        try
        {
            return _cluster ??= await Redis.StartClusterAsync();
        }
        finally
        {
            _clusterLock.Release();
        }
    }

    /// <summary>The product as CatalogApi has it now.</summary>
    public async Task<JsonElement> CatalogItemAsync(int id) => await Catalog.GetFromJsonAsync<JsonElement>($"/api/catalog/items/{id}");

    /// <summary>How many GET-by-id calls CatalogApi has served.</summary>
    public async Task<long> CatalogItemReadsAsync()
        => (await Catalog.GetFromJsonAsync<JsonElement>("/api/catalog/stats")).GetProperty("itemReads").GetInt64();

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        var catalogdb = await Postgres.CreateDatabaseAsync("catalogdb");
        SharedRedis = await Redis.StartAsync();
        Otlp = await OtlpReceiver.StartAsync();
        CatalogApi = await CatalogApiProcess.StartAsync(catalogdb + ";Maximum Pool Size=50", Otlp.Endpoint);
        Catalog = new HttpClient { BaseAddress = CatalogApi.Address };
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        Catalog?.Dispose();
        if (CatalogApi is not null)
        {
            await CatalogApi.DisposeAsync();
        }
        if (Otlp is not null)
        {
            await Otlp.DisposeAsync();
        }
        await Redis.DisposeAsync();
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }
}
