using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using WebFrontend.Services;

namespace WebFrontend.FunctionalTests;

/// <summary>
/// The stale read of DESIGN.md (a read that starts after a write was acknowledged and returns an older version)
/// through replicas sharing one Redis: the races that made it possible, made deterministic, and a concurrent run.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class StaleReadTests(StackFixture stack)
{
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AFillOfAVersionReadBeforeAnotherReplicasWriteIsNotStoredAndTheNextReadGetsTheWrite()
    {
        const int Id = 701;
        var held = new HeldCatalogRead(Id);
        await using var one = stack.Replica("webfrontend-1");
        await using var slow = WithHeldRead(one, held);
        await using var two = stack.Replica("webfrontend-2");
        using var client1 = slow.CreateClient();
        using var client2 = two.CreateClient();
        var before = (await stack.CatalogItemAsync(Id)).GetProperty("version").GetInt32();

        // Replica 1 misses and reads version `before` from CatalogApi; its answer is held before the cache fill.
        var early = client1.GetAsync($"/api/products/{Id}");
        if (await Task.WhenAny(held.Read, early).WaitAsync(s_hang) == early)
        {
            using var unexpected = await early;
            Assert.Fail($"{unexpected.StatusCode} {unexpected.Cache()} {await unexpected.Content.ReadAsStringAsync()}");
        }
        using var write = await client2.PutAsJsonAsync($"/api/products/{Id}/price", new { price = 11.11m });
        var written = await VersionAsync(write);
        Assert.Equal(before + 1, written);
        held.Release();

        // The early read started before the write: its old version is not stale, but it must not be cached.
        using var earlyRead = await early.WaitAsync(s_hang);
        Assert.Equal("miss", earlyRead.Cache());
        Assert.Equal(before, await VersionAsync(earlyRead));

        using var next = await client2.GetAsync($"/api/products/{Id}");
        Assert.Equal("miss", next.Cache());
        Assert.Equal(written, await VersionAsync(next));
        using var cached = await client1.GetAsync($"/api/products/{Id}");
        Assert.Equal("hit", cached.Cache());
        Assert.Equal(written, await VersionAsync(cached));
    }

    [Fact]
    public async Task AReadStartingAfterAnotherReplicasWriteDoesNotShareALoadThatStartedBeforeIt()
    {
        const int Id = 702;
        var held = new HeldCatalogRead(Id);
        await using var one = stack.Replica("webfrontend-1");
        await using var slow = WithHeldRead(one, held);
        await using var two = stack.Replica("webfrontend-2");
        using var client1 = slow.CreateClient();
        using var client2 = two.CreateClient();

        var early = client1.GetAsync($"/api/products/{Id}");
        await held.Read.WaitAsync(s_hang);
        using var write = await client2.PutAsJsonAsync($"/api/products/{Id}/price", new { price = 12.12m });
        var written = await VersionAsync(write);

        // Same replica, same product, a load in flight: joining it would return the version from before the write.
        var late = client1.GetAsync($"/api/products/{Id}");
        held.Release();
        using var earlyRead = await early.WaitAsync(s_hang);
        using var lateRead = await late.WaitAsync(s_hang);

        Assert.Equal(written - 1, await VersionAsync(earlyRead));
        Assert.Equal(written, await VersionAsync(lateRead));
    }

    [Fact]
    public Task FiveHundredWriteThenReadPairsThroughTwoReplicasSharingOneRedisReadNothingStale()
        => WriteThenReadPairsAsync(stack.ConnectionString(stack.SharedRedis), [711, 712, 713, 714, 715, 716]);

    [Fact]
    public async Task FiveHundredWriteThenReadPairsThroughTwoReplicasSharingOneRedisClusterReadNothingStale()
    {
        var cluster = await stack.ClusterAsync();
        await WriteThenReadPairsAsync(stack.ConnectionString([.. cluster]), [731, 732, 733, 734, 735, 736]);
    }

    [Fact]
    public async Task FiveHundredWriteThenReadPairsThroughTwoReplicasWithCoherentNearCachesOnTheClusterReadNothingStale()
    {
        var cluster = await stack.ClusterAsync();
        await WriteThenReadPairsAsync(stack.ConnectionString([.. cluster]), [741, 742, 743, 744, 745, 746], nearCache: "coherent");
    }

    // Replicas 1 and 2 on `cache`: 500 write-then-read pairs across them, with readers keeping misses in flight.
    private async Task WriteThenReadPairsAsync(string cache, int[] ids, string? nearCache = null)
    {
        const int Pairs = 500;
        const int Writers = 3;
        await using var one = stack.ReplicaWithCache(cache, "webfrontend-1", nearCache);
        await using var two = stack.ReplicaWithCache(cache, "webfrontend-2", nearCache);
        HttpClient[] clients = [one.CreateClient(), two.CreateClient()];
        var acknowledged = new int[ids.Length];
        var stale = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var results = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var pairsLeft = Pairs;
        using var done = new CancellationTokenSource();

        // A read is checked against the newest write acknowledged before it started, as LoadGen does.
        async Task ReadAsync(int index, int replica)
        {
            var floor = Volatile.Read(ref acknowledged[index]);
            using var response = await clients[replica].GetAsync($"/api/products/{ids[index]}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var version = await VersionAsync(response);
            results.AddOrUpdate(response.Cache(), 1, (_, n) => n + 1);
            if (version < floor)
            {
                stale.Enqueue($"product {ids[index]} via replica {replica + 1}: version {version} after {floor} ({response.Cache()})");
            }
        }

        // Writers: a write through one replica, then a read of it through the other. Each writer has products of
        // its own (CatalogApi answers 409 to writes that keep racing on one row); the readers read them all.
        async Task WriteThenReadAsync(int writerIndex)
        {
            var random = new Random(writerIndex);
            while (Interlocked.Decrement(ref pairsLeft) >= 0)
            {
                var index = writerIndex + (Writers * random.Next(ids.Length / Writers));
                var writer = random.Next(2);
                using var write = await clients[writer].PutAsJsonAsync(
                    $"/api/products/{ids[index]}/price", new { price = random.Next(1, 100_000) / 100m });
                Assert.Equal(HttpStatusCode.OK, write.StatusCode);
                var version = await VersionAsync(write);
                int seen;
                while ((seen = Volatile.Read(ref acknowledged[index])) < version
                       && Interlocked.CompareExchange(ref acknowledged[index], version, seen) != seen)
                {
                }
                await ReadAsync(index, 1 - writer);
            }
        }

        // Readers: misses in flight on both replicas while the writes land, the window of the races.
        async Task ReadLoopAsync(int seed)
        {
            var random = new Random(seed);
            while (!done.IsCancellationRequested)
            {
                await ReadAsync(random.Next(ids.Length), random.Next(2));
            }
        }

        var readers = Enumerable.Range(0, 4).Select(i => Task.Run(() => ReadLoopAsync(100 + i))).ToArray();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(i => Task.Run(() => WriteThenReadAsync(i))));
        }
        finally
        {
            done.Cancel();
            await Task.WhenAll(readers);
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        Assert.True(stale.IsEmpty, $"{stale.Count} stale reads: {string.Join("; ", stale.Take(5))}");
        Assert.True(results.GetValueOrDefault("hit") > 0, "no read was a hit");
        Assert.True(results.GetValueOrDefault("miss") > 0, "no read was a miss");
        Assert.False(results.ContainsKey("bypass"), $"{results.GetValueOrDefault("bypass")} reads bypassed the cache");
    }

    private static WebApplicationFactory<Program> WithHeldRead(WebFrontendFactory replica, HeldCatalogRead held)
        => replica.WithWebHostBuilder(b => b.ConfigureTestServices(
            services => services.AddHttpClient(nameof(CatalogClient)).AddHttpMessageHandler(held.CreateHandler)));

    private static async Task<int> VersionAsync(HttpResponseMessage response)
        => (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
}
