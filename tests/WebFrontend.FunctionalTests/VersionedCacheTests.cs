using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;
using WebFrontend.Services;

namespace WebFrontend.FunctionalTests;

/// <summary>The cached value format and the fill and invalidation scripts, run on the real Redis.</summary>
[Collection(StackCollection.Name)]
public sealed class VersionedCacheTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_tombstoneTtl = TimeSpan.FromSeconds(60);
    private static readonly byte[] s_json = """{"id":1,"version":5}"""u8.ToArray();

    private ConnectionMultiplexer _redis = null!;

    private IDatabase Database => _redis.GetDatabase();

    [Theory]
    [InlineData(null, true, "v5|json")]
    [InlineData("v4|{\"old\":1}", true, "v5|json")]
    [InlineData("v5|{\"same\":1}", false, "v5|{\"same\":1}")]
    [InlineData("v6|{\"new\":1}", false, "v6|{\"new\":1}")]
    [InlineData("t4", true, "v5|json")]
    [InlineData("t5", true, "v5|json")]
    [InlineData("t6", false, "t6")]
    [InlineData("{\"written\":\"before versions\"}", true, "v5|json")]
    public async Task AFillOfVersion5StoresOnlyOverNothingAnOlderVersionOrATombstoneNotNewerThan5(string? current, bool stored, string expected)
    {
        var key = await KeyHoldingAsync(current);

        Assert.Equal(stored, await VersionedCache.FillAsync(Database, key, 5, s_json, s_ttl, CancellationToken.None));

        Assert.Equal(expected.Replace("json", Encoding.UTF8.GetString(s_json), StringComparison.Ordinal), (string?)await Database.StringGetAsync(key));
    }

    [Theory]
    [InlineData(null, true, "t5")]
    [InlineData("v4|{\"old\":1}", true, "t5")]
    [InlineData("v5|{\"written\":1}", false, "v5|{\"written\":1}")]
    [InlineData("v6|{\"newer\":1}", false, "v6|{\"newer\":1}")]
    [InlineData("t4", true, "t5")]
    [InlineData("t6", false, "t6")]
    public async Task TheInvalidationOfWrite5LeavesATombstoneUnlessTheKeyHoldsVersion5OrNewer(string? current, bool set, string expected)
    {
        var key = await KeyHoldingAsync(current);

        Assert.Equal(set, await VersionedCache.InvalidateAsync(Database, key, 5, s_tombstoneTtl, CancellationToken.None));

        Assert.Equal(expected, (string?)await Database.StringGetAsync(key));
    }

    [Fact]
    public async Task ATombstoneExpiresAfterItsTtlAndAFillThatReplacesItKeepsAtLeastItsRemainingTtl()
    {
        var key = await KeyHoldingAsync(null);
        await VersionedCache.InvalidateAsync(Database, key, 5, s_tombstoneTtl, CancellationToken.None);
        var tombstoneTtl = await PttlAsync(key);
        Assert.InRange(tombstoneTtl, 1, (long)s_tombstoneTtl.TotalMilliseconds);

        // A value that would expire before the tombstone it replaces would end its protection early.
        Assert.True(await VersionedCache.FillAsync(Database, key, 5, s_json, TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.InRange(await PttlAsync(key), 1_001, tombstoneTtl);

        var other = await KeyHoldingAsync(null);
        Assert.True(await VersionedCache.FillAsync(Database, other, 5, s_json, s_ttl, CancellationToken.None));
        Assert.InRange(await PttlAsync(other), (long)s_tombstoneTtl.TotalMilliseconds + 1, (long)s_ttl.TotalMilliseconds);
    }

    [Fact]
    public async Task TheScriptsRunAgainAfterTheServerForgotThem()
    {
        var key = await KeyHoldingAsync(null);
        await FlushScriptsAsync();

        Assert.True(await VersionedCache.InvalidateAsync(Database, key, 7, s_tombstoneTtl, CancellationToken.None));
        Assert.True(await VersionedCache.FillAsync(Database, key, 7, s_json, s_ttl, CancellationToken.None));
        await FlushScriptsAsync();
        Assert.False(await VersionedCache.FillAsync(Database, key, 6, s_json, s_ttl, CancellationToken.None));
        Assert.StartsWith("v7|", (string?)await Database.StringGetAsync(key));
    }

    [Fact]
    public async Task AReplicaStoresTheVersionInFrontOfTheJsonAndReadsATombstoneAsAMiss()
    {
        const int Id = 721;
        await using var replica = stack.Replica("webfrontend-1");
        using var client = replica.CreateClient();
        var version = (await stack.CatalogItemAsync(Id)).GetProperty("version").GetInt32();

        using var first = await client.GetAsync($"/api/products/{Id}");
        Assert.Equal("miss", first.Cache());
        var stored = (byte[]?)await Database.StringGetAsync(ProductService.CacheKey(Id));
        Assert.True(VersionedCache.TryDecode(stored, out var storedVersion, out var json));
        Assert.Equal(version, storedVersion);
        Assert.Equal(version, JsonDocument.Parse(json.ToArray()).RootElement.GetProperty("version").GetInt32());
        Assert.Equal("hit", (await client.GetAsync($"/api/products/{Id}")).Cache());

        // A tombstone newer than what CatalogApi has (as if a write were not visible yet): a miss, and not replaced.
        await Database.StringSetAsync(ProductService.CacheKey(Id), $"t{version + 1}", s_tombstoneTtl);
        using var second = await client.GetAsync($"/api/products/{Id}");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("miss", second.Cache());
        Assert.Equal(version, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        Assert.Equal($"t{version + 1}", (string?)await Database.StringGetAsync(ProductService.CacheKey(Id)));
        Assert.Equal("miss", (await client.GetAsync($"/api/products/{Id}")).Cache());
    }

    [Fact]
    public async Task AWriteThroughAReplicaLeavesATombstoneOfTheWrittenVersion()
    {
        const int Id = 722;
        await using var replica = stack.Replica("webfrontend-1");
        using var client = replica.CreateClient();
        await client.GetAsync($"/api/products/{Id}");

        using var write = await client.PutAsJsonAsync($"/api/products/{Id}/price", new { price = 3.5m });
        var version = (await write.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();

        Assert.Equal($"t{version}", (string?)await Database.StringGetAsync(ProductService.CacheKey(Id)));
        Assert.InRange(await PttlAsync(ProductService.CacheKey(Id)), 1, 60_000);
    }

    [Theory]
    [InlineData("v12|{}", true, 12, "{}")]
    [InlineData("v0|x|y", true, 0, "x|y")]
    [InlineData("t12", false, 0, "")]
    [InlineData("v12", false, 0, "")]
    [InlineData("v|{}", false, 0, "")]
    [InlineData("v-1|{}", false, 0, "")]
    [InlineData("{\"id\":1}", false, 0, "")]
    [InlineData("", false, 0, "")]
    public void TryDecodeReadsOnlyAVersionedValue(string value, bool decoded, int version, string json)
    {
        Assert.Equal(decoded, VersionedCache.TryDecode(Encoding.UTF8.GetBytes(value), out var readVersion, out var readJson));
        Assert.Equal(version, readVersion);
        Assert.Equal(json, Encoding.UTF8.GetString(readJson));
    }

    [Fact]
    public void EncodeWritesTheVersionHeaderThenTheJson()
    {
        var value = VersionedCache.Encode(2_147_483_647, s_json);
        Assert.Equal("v2147483647|" + Encoding.UTF8.GetString(s_json), Encoding.UTF8.GetString(value));
        Assert.True(VersionedCache.TryDecode(value, out var version, out var json));
        Assert.Equal(int.MaxValue, version);
        Assert.Equal(s_json, json.ToArray());
    }

    /// <inheritdoc />
    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(stack.ConnectionString(stack.SharedRedis) + ",allowAdmin=true");

    /// <inheritdoc />
    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private async Task<RedisKey> KeyHoldingAsync(string? value)
    {
        RedisKey key = $"versioned-cache-test:{Guid.NewGuid():N}";
        if (value is not null)
        {
            await Database.StringSetAsync(key, value, s_ttl);
        }
        return key;
    }

    private async Task<long> PttlAsync(RedisKey key) => (long)await Database.ExecuteAsync("PTTL", key);

    // What a restarted server or a promoted replica looks like to the client: it knows no script.
    private Task FlushScriptsAsync() => _redis.GetServer(stack.SharedRedis.EndPoint).ScriptFlushAsync();
}
