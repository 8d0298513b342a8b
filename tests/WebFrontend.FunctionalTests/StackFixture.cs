using System.Net.Http.Json;
using System.Text.Json;
using ServicesTesting;

namespace WebFrontend.FunctionalTests;

/// <summary>Postgres, Redis, an OTLP receiver and CatalogApi (a real process exporting to it), shared by the collection.</summary>
public sealed class StackFixture : IAsyncLifetime
{
    /// <summary>Postgres and the shared Redis.</summary>
    public LocalServers Servers { get; } = new();

    /// <summary>Where CatalogApi and the tracing test's replica export telemetry.</summary>
    public OtlpReceiver Otlp { get; private set; } = null!;

    /// <summary>The CatalogApi process.</summary>
    public CatalogApiProcess CatalogApi { get; private set; } = null!;

    /// <summary>A client of CatalogApi itself, to look behind the replicas.</summary>
    public HttpClient Catalog { get; private set; } = null!;

    /// <summary>A replica using the shared Redis.</summary>
    public WebFrontendFactory Replica(string instance = "webfrontend-1", string? otlpEndpoint = null)
        => new(CatalogApi.Address, Servers.Redis.ConnectionString, instance, otlpEndpoint);

    /// <summary>A replica using <paramref name="cache"/> (null: no cache).</summary>
    public WebFrontendFactory ReplicaWithCache(string? cache, string instance = "webfrontend-1")
        => new(CatalogApi.Address, cache, instance);

    /// <summary>The product as CatalogApi has it now.</summary>
    public async Task<JsonElement> CatalogItemAsync(int id) => await Catalog.GetFromJsonAsync<JsonElement>($"/api/catalog/items/{id}");

    /// <summary>How many GET-by-id calls CatalogApi has served.</summary>
    public async Task<long> CatalogItemReadsAsync()
        => (await Catalog.GetFromJsonAsync<JsonElement>("/api/catalog/stats")).GetProperty("itemReads").GetInt64();

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        Otlp = await OtlpReceiver.StartAsync();
        CatalogApi = await CatalogApiProcess.StartAsync(Servers.PostgresConnectionString(), Otlp.Endpoint);
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
        await Servers.DisposeAsync();
    }
}
