using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WebFrontend.Services;

namespace WebFrontend.FunctionalTests;

[Collection(StackCollection.Name)]
public sealed class CacheAsideTests(StackFixture stack)
{
    [Fact]
    public async Task AFirstReadMissesTheNextHitsAndBothSayWhichReplicaAndVersion()
    {
        await using var replica = stack.Replica("webfrontend-1");
        using var client = replica.CreateClient();

        using var first = await client.GetAsync("/api/products/101");
        using var second = await client.GetAsync("/api/products/101");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("miss", first.Cache());
        Assert.Equal("hit", second.Cache());
        Assert.Equal("webfrontend-1", first.ServedBy());
        Assert.Equal("webfrontend-1", second.ServedBy());
        var product = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(101, product.GetProperty("id").GetInt32());
        Assert.Equal($"\"{product.GetProperty("version").GetInt32()}\"", first.Headers.ETag?.Tag);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Equal((await stack.CatalogItemAsync(101)).GetProperty("price").GetDecimal(), product.GetProperty("price").GetDecimal());
    }

    [Fact]
    public async Task AWriteThroughAReplicaIsVisibleThroughThatReplicaImmediately()
    {
        await using var replica = stack.Replica("webfrontend-1");
        using var client = replica.CreateClient();
        await client.GetAsync("/api/products/102");
        using var cached = await client.GetAsync("/api/products/102");
        Assert.Equal("hit", cached.Cache());
        var before = await cached.Content.ReadFromJsonAsync<JsonElement>();

        using var write = await client.PutAsJsonAsync("/api/products/102/price", new { price = 42.42m });
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        var written = await write.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(42.42m, written.GetProperty("price").GetDecimal());
        Assert.Equal(before.GetProperty("version").GetInt32() + 1, written.GetProperty("version").GetInt32());
        Assert.Equal($"\"{written.GetProperty("version").GetInt32()}\"", write.Headers.ETag?.Tag);

        using var after = await client.GetAsync("/api/products/102");
        var read = await after.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("miss", after.Cache());
        Assert.Equal(42.42m, read.GetProperty("price").GetDecimal());
        Assert.Equal(written.GetProperty("version").GetInt32(), read.GetProperty("version").GetInt32());
        Assert.Equal("hit", (await client.GetAsync("/api/products/102")).Cache());
    }

    [Fact]
    public async Task AWriteThroughOneReplicaInvalidatesTheCacheItSharesWithAnother()
    {
        await using var one = stack.Replica("webfrontend-1");
        await using var two = stack.Replica("webfrontend-2");
        using var client1 = one.CreateClient();
        using var client2 = two.CreateClient();
        await client2.GetAsync("/api/products/103");
        Assert.Equal("hit", (await client2.GetAsync("/api/products/103")).Cache());

        using var write = await client1.PutAsJsonAsync("/api/products/103/price", new { price = 7.5m });
        Assert.Equal("webfrontend-1", write.ServedBy());
        var version = (await write.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();

        using var after = await client2.GetAsync("/api/products/103");
        Assert.Equal("webfrontend-2", after.ServedBy());
        Assert.Equal("miss", after.Cache());
        Assert.Equal(version, (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task AHundredConcurrentReadsOfAColdKeyInOneReplicaMakeOneCatalogApiCall()
    {
        await using var replica = stack.Replica("webfrontend-1");
        using var client = replica.CreateClient();
        await client.GetAsync("/alive");
        var before = await stack.CatalogItemReadsAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => client.GetAsync("/api/products/104")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(responses.Select(r => r.Headers.ETag?.Tag).Distinct());
        Assert.Contains(responses, r => r.Cache() == "miss");
        Assert.Equal(1, await stack.CatalogItemReadsAsync() - before);
    }

    [Fact]
    public async Task WithoutACacheEveryReadBypassesItAndHealthIsHealthy()
    {
        await using var replica = stack.ReplicaWithCache(null);
        using var client = replica.CreateClient();
        var before = await stack.CatalogItemReadsAsync();

        using var first = await client.GetAsync("/api/products/105");
        using var second = await client.GetAsync("/api/products/105");

        Assert.Equal("bypass", first.Cache());
        Assert.Equal("bypass", second.Cache());
        Assert.Equal(2, await stack.CatalogItemReadsAsync() - before);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task SwitchingTheCacheOfARunningReplicaTakesEffectWithoutARestart()
    {
        var other = await stack.StartRedisAsync();
        await using var replica = stack.ReplicaWithCaches(new Dictionary<string, string>
        {
            ["cache"] = stack.ConnectionString(stack.SharedRedis),
            ["cache-other"] = stack.ConnectionString(other),
        });
        using var client = replica.CreateClient();
        var connection = replica.Services.GetRequiredService<CacheConnection>();
        Assert.Equal("bypass", (await client.GetAsync("/api/products/106")).Cache());

        await connection.SwitchAsync("cache");
        await client.GetAsync("/api/products/106");
        Assert.Equal("hit", (await client.GetAsync("/api/products/106")).Cache());

        await connection.SwitchAsync(null);
        Assert.Equal("bypass", (await client.GetAsync("/api/products/106")).Cache());

        await connection.SwitchAsync("cache-other");
        Assert.Equal("miss", (await client.GetAsync("/api/products/106")).Cache());
        Assert.Equal("hit", (await client.GetAsync("/api/products/106")).Cache());
    }

    [Fact]
    public async Task AnUnknownProductIsNotFoundWithTheReplicaHeaders()
    {
        await using var replica = stack.Replica("webfrontend-3");
        using var client = replica.CreateClient();
        using var response = await client.GetAsync("/api/products/99999999");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("webfrontend-3", response.ServedBy());
        Assert.Equal("miss", response.Cache());
        using var write = await client.PutAsJsonAsync("/api/products/99999999/price", new { price = 1m });
        Assert.Equal(HttpStatusCode.NotFound, write.StatusCode);
    }
}
