using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TestServers;

namespace WebFrontend.FunctionalTests;

[Collection(StackCollection.Name)]
public sealed class CacheDownTests(StackFixture stack)
{
    [Fact]
    public async Task WhenRedisIsKilledReadsAndWritesStillSucceedAndReadsBypassTheCache()
    {
        var redis = await stack.StartRedisAsync();
        await using var replica = stack.ReplicaWithCache(stack.ConnectionString(redis));
        using var client = replica.CreateClient();
        await client.GetAsync("/api/products/201");
        Assert.Equal("hit", (await client.GetAsync("/api/products/201")).Cache());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        redis.Kill();

        using var read = await client.GetAsync("/api/products/201");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("bypass", read.Cache());

        using var write = await client.PutAsJsonAsync("/api/products/201/price", new { price = 19.99m });
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        var version = (await write.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();

        using var after = await client.GetAsync("/api/products/201");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("bypass", after.Cache());
        var product = await after.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(19.99m, product.GetProperty("price").GetDecimal());
        Assert.Equal(version, product.GetProperty("version").GetInt32());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task AReplicaWhoseCacheNeverAnsweredServesFromCatalogApi()
    {
        await using var replica = stack.ReplicaWithCache($"127.0.0.1:{RedisServers.FreePort()},password=nothing-listens-here");
        using var client = replica.CreateClient();

        using var read = await client.GetAsync("/api/products/202");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("bypass", read.Cache());
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/products/202/price", new { price = 5m })).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task WhenCatalogApiIsDownAMissIsA503ProblemAndAHitIsStillServed()
    {
        var deadCatalog = new Uri($"http://127.0.0.1:{RedisServers.FreePort()}");
        var cached = stack.Replica("webfrontend-1");
        await using (cached)
        {
            // Fill the shared cache through a replica that reaches CatalogApi.
            await cached.CreateClient().GetAsync("/api/products/203");
        }
        await using var replica = new WebFrontendFactory(deadCatalog, new Dictionary<string, string> { ["cache"] = stack.ConnectionString(stack.SharedRedis) }, "cache", "webfrontend-2");
        using var client = replica.CreateClient();

        using var hit = await client.GetAsync("/api/products/203");
        using var miss = await client.GetAsync("/api/products/204");

        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("hit", hit.Cache());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, miss.StatusCode);
        Assert.True(miss.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"Retry-After: {miss.Headers.RetryAfter}");
        Assert.Equal("application/problem+json", miss.Content.Headers.ContentType?.MediaType);
        Assert.Equal("webfrontend-2", miss.ServedBy());
    }
}
