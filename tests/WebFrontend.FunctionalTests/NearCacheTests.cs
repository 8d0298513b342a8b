using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WebFrontend.Services;

namespace WebFrontend.FunctionalTests;

/// <summary>A replica with a near cache in front of its Redis (topology <c>cluster-near</c>).</summary>
[Collection(StackCollection.Name)]
public sealed class NearCacheTests(StackFixture stack)
{
    [Theory]
    [InlineData("coherent")]
    [InlineData("tracking")]
    public async Task ReadsAfterAFillAreServedFromTheNearCacheAndAWriteThroughTheReplicaIsReadBackAtOnce(string mode)
    {
        int id = mode == "coherent" ? 801 : 802;
        await using var replica = stack.ReplicaWithCache(stack.ConnectionString(stack.SharedRedis), "webfrontend-1", mode);
        using var client = replica.CreateClient();
        var near = replica.Services.GetRequiredService<CacheConnection>().Current!.NearCache!;

        Assert.Equal("miss", (await client.GetAsync($"/api/products/{id}")).Cache());
        var before = near.GetStatistics().LocalReads;
        Assert.Equal("hit", (await client.GetAsync($"/api/products/{id}")).Cache());
        Assert.Equal("hit", (await client.GetAsync($"/api/products/{id}")).Cache());
        // Coherent keeps the value the fill wrote; Tracking keeps it at the latest from the first read after it.
        Assert.InRange(near.GetStatistics().LocalReads - before, mode == "coherent" ? 2 : 1, 2);

        using var write = await client.PutAsJsonAsync($"/api/products/{id}/price", new { price = 8.01m });
        var written = (await write.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
        using var after = await client.GetAsync($"/api/products/{id}");
        Assert.Equal(written, (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task ACoherentNearCacheNeverServesItsCopyAfterAnotherReplicasWrite()
    {
        const int Id = 803;
        await using var reader = stack.ReplicaWithCache(stack.ConnectionString(stack.SharedRedis), "webfrontend-1", "coherent");
        await using var writer = stack.ReplicaWithCache(stack.ConnectionString(stack.SharedRedis), "webfrontend-2", "coherent");
        using var readerClient = reader.CreateClient();
        using var writerClient = writer.CreateClient();

        for (var i = 1; i <= 20; i++)
        {
            await readerClient.GetAsync($"/api/products/{Id}");
            await readerClient.GetAsync($"/api/products/{Id}");
            using var write = await writerClient.PutAsJsonAsync($"/api/products/{Id}/price", new { price = i + 0.5m });
            var written = (await write.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();

            using var read = await readerClient.GetAsync($"/api/products/{Id}");
            Assert.Equal(written, (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        }
    }
}
