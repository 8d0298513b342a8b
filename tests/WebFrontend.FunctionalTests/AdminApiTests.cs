using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TestServers;
using WebFrontend.Services;

namespace WebFrontend.FunctionalTests;

/// <summary><c>PUT /admin/cache</c>: how the AppHost's topology controller points a running replica at a cache by name.</summary>
[Collection(StackCollection.Name)]
public sealed class AdminApiTests(StackFixture stack)
{
    [Fact]
    public async Task AReplicaStartsWithNoCacheIsHealthyAndListsTheCachesItCanUse()
    {
        await using var replica = stack.ReplicaWithCaches(new Dictionary<string, string>
        {
            ["cache"] = stack.ConnectionString(stack.SharedRedis),
            // Configured but not started, as the AppHost's caches are until a topology needs them.
            ["cache-cluster"] = $"127.0.0.1:{RedisServers.FreePort()},127.0.0.1:{RedisServers.FreePort()},password=later",
        });
        using var client = replica.CreateClient();

        var state = await GetAsync(client);

        Assert.Equal(JsonValueKind.Null, state.GetProperty("cache").ValueKind);
        Assert.Equal(["cache", "cache-cluster"], state.GetProperty("configured").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal("bypass", (await client.GetAsync("/api/products/601")).Cache());
    }

    [Fact]
    public async Task APutSwitchesToANamedCacheOnceItAnswersPingAndBackToNone()
    {
        await using var replica = stack.ReplicaWithCaches(new Dictionary<string, string> { ["cache"] = stack.ConnectionString(stack.SharedRedis) });
        using var client = replica.CreateClient();

        using var switched = await PutAsync(client, new { cache = "cache", nearCache = "none", waitForReplicas = 0 });
        Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        var answer = await switched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cache", answer.GetProperty("cache").GetString());
        Assert.True(answer.GetProperty("pingMilliseconds").GetDouble() >= 0);
        Assert.DoesNotContain(stack.Redis.Password, answer.GetProperty("configuration").GetString());
        await client.GetAsync("/api/products/602");
        Assert.Equal("hit", (await client.GetAsync("/api/products/602")).Cache());

        using var none = await PutAsync(client, new { cache = (string?)null });
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.Equal("bypass", (await client.GetAsync("/api/products/602")).Cache());
    }

    [Fact]
    public async Task AnUnknownCacheNameIsABadRequestListingTheConfiguredOnes()
    {
        await using var replica = stack.ReplicaWithCaches(new Dictionary<string, string>
        {
            ["cache"] = stack.ConnectionString(stack.SharedRedis),
            ["cache-naive-0"] = stack.ConnectionString(stack.SharedRedis),
        });
        using var client = replica.CreateClient();

        using var response = await PutAsync(client, new { cache = "memcached", nearCache = "sometimes", waitForReplicas = 9 });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = problem.GetProperty("errors");
        Assert.Contains("cache-naive-0", errors.GetProperty("cache")[0].GetString());
        Assert.True(errors.TryGetProperty("nearCache", out _));
        Assert.True(errors.TryGetProperty("waitForReplicas", out _));
    }

    [Fact]
    public async Task ASwitchWithoutTheAdminTokenIsRefused()
    {
        await using var replica = stack.ReplicaWithCaches(new Dictionary<string, string> { ["cache"] = stack.ConnectionString(stack.SharedRedis) });
        using var client = replica.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/cache") { Content = JsonContent.Create(new { cache = "cache" }) };
        request.Headers.Add("X-Admin-Token", "not-the-token");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await GetAsync(client)).GetProperty("cache").ValueKind);
    }

    [Theory]
    [InlineData("down", "no Redis answered")]
    [InlineData("wrong-password", "is not the server's")]
    public async Task ASwitchToACacheThatDoesNotAnswerIsA503NamingItsConnectionStringAndChangesNothing(string fault, string reason)
    {
        var connectionString = fault == "down"
            ? $"127.0.0.1:{RedisServers.FreePort()},password={stack.Redis.Password},connectTimeout=1000"
            : $"{stack.SharedRedis.EndPoint},password=not-the-password";
        await using var replica = stack.ReplicaWithCaches(new Dictionary<string, string>
        {
            ["cache"] = stack.ConnectionString(stack.SharedRedis),
            ["cache-faulty"] = connectionString,
        });
        using var client = replica.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(client, new { cache = "cache" })).StatusCode);

        using var response = await PutAsync(client, new { cache = "cache-faulty" });
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("ConnectionStrings:cache-faulty", detail);
        Assert.True(detail!.Contains(reason, StringComparison.Ordinal), detail);
        Assert.DoesNotContain("not-the-password", detail);
        Assert.Equal("cache", (await GetAsync(client)).GetProperty("cache").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task WithWaitForReplicasAWriteOnTheClusterIsAnsweredOnceARedisReplicaHasTheInvalidation()
    {
        var cluster = await stack.ClusterAsync();
        await using var replica = stack.ReplicaWithCaches(new Dictionary<string, string> { ["cache-cluster"] = stack.ConnectionString([.. cluster]) });
        using var client = replica.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(client, new { cache = "cache-cluster", nearCache = "coherent", waitForReplicas = 1 })).StatusCode);

        // Products spread over the three masters: WAIT must reach the master that took each tombstone.
        foreach (var id in new[] { 621, 622, 623, 624, 625, 626 })
        {
            await client.GetAsync($"/api/products/{id}");
            using var write = await client.PutAsJsonAsync($"/api/products/{id}/price", new { price = 6.21m });
            Assert.Equal(HttpStatusCode.OK, write.StatusCode);
            Assert.Equal("confirmed-by-1", string.Join(",", write.Headers.GetValues("X-Cache-Invalidation")));
        }
    }

    [Fact]
    public async Task AfterTenSwitchesNoServerKeepsAConnectionFromAnEarlierOne()
    {
        var naive = await stack.StartRedisAsync();
        var cluster = await stack.ClusterAsync();
        await using var replica = stack.ReplicaWithCaches(new Dictionary<string, string>
        {
            ["cache"] = stack.ConnectionString(stack.SharedRedis),
            ["cache-naive-0"] = stack.ConnectionString(naive),
            ["cache-cluster"] = stack.ConnectionString([.. cluster]),
        }, instance: "webfrontend-switching");
        using var client = replica.CreateClient();
        var connection = replica.Services.GetRequiredService<CacheConnection>();
        (string? Cache, string NearCache)[] sequence =
        [
            ("cache", "none"), ("cache-cluster", "coherent"), ("cache-naive-0", "tracking"), (null, "none"), ("cache-cluster", "tracking"),
            ("cache", "coherent"), ("cache-naive-0", "none"), ("cache-cluster", "none"), (null, "none"), ("cache", "none"),
        ];

        foreach (var (cache, nearCache) in sequence)
        {
            using var response = await PutAsync(client, new { cache, nearCache });
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/products/610")).StatusCode);
        }
        var current = connection.Current!;
        Assert.Equal("cache", current.Name);
        await connection.WhenRetiredAsync();

        RedisServers.RedisNode[] servers = [stack.SharedRedis, naive, .. cluster];
        foreach (var server in servers)
        {
            // Closed on our side; the server drops the client when it reads the close, so look until it has.
            var names = await ClientNamesAsync(server);
            for (var attempt = 0; attempt < 50 && names.Any(n => n != CurrentName(current)); attempt++)
            {
                await Task.Delay(100);
                names = await ClientNamesAsync(server);
            }
            Assert.All(names, n => Assert.Equal(CurrentName(current), n));
            Assert.Equal(server == stack.SharedRedis, names.Count > 0);
            // The tracking near caches opened connections of their own (named nearcache-…); none is left either.
            Assert.Empty(await ClientNamesAsync(server, "nearcache-"));
        }
    }

    private static string CurrentName(CacheTarget current) => $"webfrontend-switching:{current.Name}:{current.Generation}";

    // The client names of this test's replica among the server's connections.
    private static async Task<List<string>> ClientNamesAsync(RedisServers.RedisNode server, string prefix = "webfrontend-switching:")
        => (await server.CliAsync("CLIENT", "LIST"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ').FirstOrDefault(f => f.StartsWith("name=", StringComparison.Ordinal))?["name=".Length..] ?? "")
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .ToList();

    private static async Task<JsonElement> GetAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/cache");
        request.Headers.Add("X-Admin-Token", WebFrontendFactory.AdminToken);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/admin/cache") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Admin-Token", WebFrontendFactory.AdminToken);
        return client.SendAsync(request);
    }
}
