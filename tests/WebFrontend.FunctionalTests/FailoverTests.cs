using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StackExchange.Redis;
using TestServers;
using Xunit.Abstractions;

namespace WebFrontend.FunctionalTests;

/// <summary>
/// A cache that loses invalidations (a master dies before its replica has a tombstone, a tombstone cannot be written)
/// serves no version older than an acknowledged write, and a write never waits out a WAIT that cannot succeed. Each
/// test kills or pauses servers of its own.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class FailoverTests(StackFixture stack, ITestOutputHelper output)
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AMasterThatDiesWithATombstoneItsReplicaLacksServesNoOlderVersionAfterTheFailover()
    {
        const int Id = 731;
        var nodes = await stack.Redis.StartClusterAsync();
        var connectionString = stack.ConnectionString([.. nodes]);
        await using var one = stack.ReplicaWithCache(connectionString, "webfrontend-1");
        await using var two = stack.ReplicaWithCache(connectionString, "webfrontend-2");
        using var client1 = one.CreateClient();
        using var client2 = two.CreateClient();
        var (master, replica) = await ShardOfAsync(nodes, $"product:{Id}");

        await client1.GetAsync($"/api/products/{Id}");
        Assert.StartsWith("v", await ClusterRawAsync(nodes, Id, CommandFlags.DemandReplica));

        // Cut the replica off its master (it cannot log in again), so the tombstone of the next write reaches the
        // master alone: the master acknowledges it, then dies before any replica has it.
        await replica.CliAsync("CONFIG", "SET", "masterauth", "not-the-password");
        await replica.CliAsync("CLIENT", "KILL", "TYPE", "master");
        await WaitUntilAsync(async () => (await replica.CliAsync("INFO", "replication")).Contains("master_link_status:down", StringComparison.Ordinal), "the replica lost its master");
        using var write = await client2.PutAsJsonAsync($"/api/products/{Id}/price", new { price = 7.31m });
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        var written = (await write.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
        Assert.StartsWith($"t{written}", await ClusterRawAsync(nodes, Id, CommandFlags.DemandMaster));
        master.Kill();
        await WaitUntilAsync(async () => (await replica.CliAsync("ROLE")).StartsWith("master", StringComparison.Ordinal), "the replica was promoted");
        Assert.StartsWith($"v{written - 1}|", await ClusterRawAsync(nodes, Id, CommandFlags.DemandMaster));

        // Every read is at least the acknowledged version, until both replicas serve it from the cache again.
        var hits = new HashSet<string>();
        await WaitUntilAsync(async () =>
        {
            foreach (var client in new[] { client1, client2 })
            {
                using var read = await client.GetAsync($"/api/products/{Id}");
                var version = (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
                Assert.True(version >= written, $"{read.ServedBy()} served version {version} ({read.Cache()}) after write {written} was acknowledged");
                if (read.Cache() == "hit")
                {
                    hits.Add(read.ServedBy());
                }
            }
            return hits.Count == 2;
        }, "both replicas serve the product from the cache again");
        Assert.StartsWith($"v{written}|", await ClusterRawAsync(nodes, Id, CommandFlags.DemandMaster));
        await replica.CliAsync("CONFIG", "SET", "masterauth", stack.Redis.Password);
    }

    [Fact]
    public async Task AnInvalidationThatCannotBeWrittenFencesTheCacheUntilTheWriteIsReplayed()
    {
        const int Id = 732;
        var redis = await stack.StartRedisAsync();
        await using var replica = stack.ReplicaWithCache(stack.ConnectionString(redis));
        using var client = replica.CreateClient();
        await client.GetAsync($"/api/products/{Id}");
        using (var hit = await client.GetAsync($"/api/products/{Id}"))
        {
            Assert.Equal("hit", hit.Cache());
        }

        // Writes wait until the pause ends, so the tombstone's script times out; reads are still served. The pause
        // is ended below by UNPAUSE: its length only has to outlast the checks on however slow a machine.
        Assert.Contains("OK", await redis.CliAsync("CLIENT", "PAUSE", "60000", "WRITE"));
        using var write = await client.PutAsJsonAsync($"/api/products/{Id}/price", new { price = 7.32m });
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        Assert.Equal("failed-fenced", string.Join(",", write.Headers.GetValues("X-Cache-Invalidation")));
        var written = (await write.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();

        // The old version is still in Redis, but the fenced replica does not read it.
        using (var read = await client.GetAsync($"/api/products/{Id}"))
        {
            Assert.Equal("bypass", read.Cache());
            Assert.Equal(written, (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        }
        Assert.StartsWith("v", await RawAsync(redis, Id));

        await redis.CliAsync("CLIENT", "UNPAUSE");
        await WaitUntilAsync(async () =>
        {
            using var read = await client.GetAsync($"/api/products/{Id}");
            Assert.Equal(written, (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
            return read.Cache() == "hit";
        }, "the fence opened and the product is cached again");
    }

    [Fact]
    public async Task WithWaitForReplicasAWriteToAMasterThatLostItsReplicaIsAnsweredWithoutWaitingForIt()
    {
        const int Id = 733;
        var nodes = await stack.Redis.StartClusterAsync();
        await using var webReplica = stack.ReplicaWithCaches(new Dictionary<string, string> { ["cache-cluster"] = stack.ConnectionString([.. nodes]) });
        using var client = webReplica.CreateClient();
        using (var request = new HttpRequestMessage(HttpMethod.Put, "/admin/cache") { Content = JsonContent.Create(new { cache = "cache-cluster", waitForReplicas = 1 }) })
        {
            request.Headers.Add("X-Admin-Token", WebFrontendFactory.AdminToken);
            using var use = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, use.StatusCode);
        }
        var (_, replica) = await ShardOfAsync(nodes, $"product:{Id}");
        Assert.Equal("confirmed-by-1", await WriteAsync(client, Id, 7.33m));

        replica.Kill();
        var outcomes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            outcomes.Add(await WriteAsync(client, Id, 7.34m + i));
        }
        output.WriteLine($"outcomes after the replica died: {string.Join(", ", outcomes)}");

        // One WAIT finds too few replicas; the writes after it do not wait again.
        Assert.Equal("unconfirmed", outcomes[0]);
        Assert.Equal(["unconfirmed-no-replica", "unconfirmed-no-replica"], outcomes[1..]);
    }

    private static async Task<string> WriteAsync(HttpClient client, int id, decimal price)
    {
        using var write = await client.PutAsJsonAsync($"/api/products/{id}/price", new { price });
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        return string.Join(",", write.Headers.GetValues("X-Cache-Invalidation"));
    }

    private async Task<string> RawAsync(RedisServers.RedisNode node, int id)
        => (await node.CliAsync("GET", $"product:{id}")).Trim();

    // The key's value on its master or on a replica, through a client of its own (the cluster's current view).
    private async Task<string> ClusterRawAsync(IReadOnlyList<RedisServers.RedisNode> nodes, int id, CommandFlags flags)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.ConnectionString([.. nodes.Where(n => n.IsRunning)]));
        return (string?)await redis.GetDatabase().StringGetAsync($"product:{id}", flags) ?? "(nil)";
    }

    // The master owning the key's slot and its replica, from the cluster's own view.
    private async Task<(RedisServers.RedisNode Master, RedisServers.RedisNode Replica)> ShardOfAsync(IReadOnlyList<RedisServers.RedisNode> nodes, string key)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.ConnectionString([.. nodes]) + ",allowAdmin=true");
        var configuration = await redis.GetServer(nodes[0].EndPoint).ClusterNodesAsync();
        var owner = configuration!.GetBySlot(key)!;
        var child = configuration.Nodes.Single(n => n.IsReplica && n.ParentNodeId == owner.NodeId);
        RedisServers.RedisNode Node(ClusterNode node) => nodes.Single(n => n.Port == ((IPEndPoint)node.EndPoint!).Port);
        return (Node(owner), Node(child));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_bound;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {s_bound.TotalSeconds:0} s: {what}.");
            }
            await Task.Delay(100);
        }
    }
}
