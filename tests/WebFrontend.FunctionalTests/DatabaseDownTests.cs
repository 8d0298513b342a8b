using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TestServers;

namespace WebFrontend.FunctionalTests;

/// <summary>
/// A replica over a CatalogApi process whose PostgreSQL the test kills and starts again: a PostgreSQL, a CatalogApi
/// and a Redis of the test's own, so the collection's shared ones never go down.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DatabaseDownTests(StackFixture stack)
{
    [Fact]
    public async Task WhenPostgresIsDownAHitIsServedAMissAnswers503WithRetryAfterAndAWriteChangesNothing()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var catalogApi = await CatalogApiProcess.StartAsync(await postgres.CreateDatabaseAsync("catalogdb"), otlpEndpoint: null);
        var redis = await stack.StartRedisAsync();
        await using var replica = new WebFrontendFactory(catalogApi.Address, new Dictionary<string, string> { ["cache"] = stack.ConnectionString(redis) }, "cache", "webfrontend-1");
        using var client = replica.CreateClient();
        using var catalog = new HttpClient { BaseAddress = catalogApi.Address };
        await client.GetAsync("/api/products/301");
        using (var cached = await client.GetAsync("/api/products/301"))
        {
            Assert.Equal("hit", cached.Cache());
        }
        var before = await catalog.GetFromJsonAsync<JsonElement>("/api/catalog/items/301");

        postgres.Crash();

        // Misses answer 503 with Retry-After: first CatalogApi's (its database is gone), then, after a few, this
        // replica's own breaker answers without calling CatalogApi.
        var circuits = new List<string>();
        for (var id = 302; id < 352 && !circuits.Contains("open"); id++)
        {
            using var miss = await client.GetAsync($"/api/products/{id}");
            circuits.Add((await AssertUnavailableAsync(miss)).GetProperty("circuit").GetString()!);
        }
        Assert.True(circuits[0] == "closed" && circuits[^1] == "open", $"circuits: {string.Join(',', circuits)}");

        // Hits are served all along.
        using (var hit = await client.GetAsync("/api/products/301"))
        {
            Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
            Assert.Equal("hit", hit.Cache());
        }

        // A write fails with a ProblemDetails and invalidates nothing: the cached copy is still served.
        using (var write = await client.PutAsJsonAsync("/api/products/301/price", new { price = 66.66m }))
        {
            await AssertUnavailableAsync(write);
            Assert.False(write.Headers.Contains("X-Cache-Invalidation"));
        }
        using (var still = await client.GetAsync("/api/products/301"))
        {
            Assert.Equal("hit", still.Cache());
        }

        await postgres.StartAgainAsync();

        // Both breakers let a request through again by themselves: the miss is served without a restart.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            await Task.Delay(200);
            using var again = await client.GetAsync("/api/products/302");
            if (again.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"a minute after PostgreSQL came back a miss still answers {(int)again.StatusCode}: {await again.Content.ReadAsStringAsync()}");
            }
        }

        var after = await catalog.GetFromJsonAsync<JsonElement>("/api/catalog/items/301");
        Assert.Equal(before.GetProperty("version").GetInt32(), after.GetProperty("version").GetInt32());
        Assert.Equal(before.GetProperty("price").GetDecimal(), after.GetProperty("price").GetDecimal());
    }

    [Fact]
    public async Task TheCatalogApiClientHasOneResilienceHandlerItsOwnNotTheDefaultsOneAsWell()
    {
        await using var replica = stack.ReplicaWithCache(null);
        var handlers = replica.Services.GetRequiredService<IHttpMessageHandlerFactory>();
        var pipelines = new List<string>();
        for (var handler = handlers.CreateHandler(nameof(WebFrontend.Services.CatalogClient)) as DelegatingHandler; handler is not null; handler = handler.InnerHandler as DelegatingHandler)
        {
            if (handler is Microsoft.Extensions.Http.Resilience.ResilienceHandler)
            {
                pipelines.Add(handler.GetType().Name);
            }
        }
        Assert.Single(pipelines);
    }

    // 503 from the replica itself, a Retry-After of at least a second, a ProblemDetails saying the catalog is unavailable.
    private static async Task<JsonElement> AssertUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("webfrontend-1", response.ServedBy());
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"Retry-After: {response.Headers.RetryAfter}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The catalog is unavailable.", problem.GetProperty("title").GetString());
        return problem;
    }
}
