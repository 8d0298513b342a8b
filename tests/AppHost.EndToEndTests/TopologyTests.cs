using System.Net.Http.Json;
using System.Net;
using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

[Collection(SampleAppCollection.Name)]
public sealed class TopologyTests(SampleApp stack, ITestOutputHelper output)
{
    [Fact]
    public async Task EveryTopologyStartsAndServes()
    {
        using var lb = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = stack.LoadBalancer };
        // soss needs an installed ScaleOut StateServer, which this app is not given (SossTopologyTests gives it one).
        foreach (var topology in global::AppHost.Topologies.Topology.All.Where(t => t.Cache != global::AppHost.Topologies.TopologyCache.Soss || stack.Controller.IsSossConfigured))
        {
            var result = await stack.SwitchAsync(topology.Name);
            output.WriteLine($"{result.From} -> {result.To}: {result.ElapsedMilliseconds:0} ms, {result.Steps.Count} steps");

            var servedBy = new HashSet<string>();
            for (var id = 1; id <= 6; id++)
            {
                servedBy.Add((await Storefront.ReadAsync(lb, id)).ServedBy);
            }
            Assert.Equal(3, servedBy.Count);

            // The same product twice through one replica: the second read comes from its cache, unless there is none.
            var first = await Storefront.ReadAsync(stack.Replicas[0], 7);
            var second = await Storefront.ReadAsync(stack.Replicas[0], 7);
            Assert.Equal(topology.Name == "none" ? "bypass" : "miss", first.Cache);
            Assert.Equal(topology.Name == "none" ? "bypass" : "hit", second.Cache);

            var status = await stack.Control.GetFromJsonAsync<global::AppHost.Topologies.TopologyStatus>("/api/topology");
            Assert.Equal(topology.Name, status!.Current);
        }
    }

    [Fact]
    public async Task NaiveShowsStaleReadsAfterWritesThroughAnotherReplica()
    {
        await stack.SwitchAsync("naive");
        var stale = 0;
        for (var i = 0; i < 30; i++)
        {
            var id = Load.ProductCount + 100 + i;
            await Storefront.ReadAsync(stack.Replicas[1], id);
            var written = await Storefront.WriteAsync(stack.Replicas[0], id, Storefront.Price(i));
            var read = await Storefront.ReadAsync(stack.Replicas[1], id);
            stale += read.Version < written.Version ? 1 : 0;
        }
        output.WriteLine($"naive: {stale} of 30 reads through another replica were stale");
        Assert.True(stale > 0, "each replica has its own Redis, so a write through replica 0 cannot invalidate replica 1's copy");
    }

    [Fact]
    public async Task NaiveStickyShowsNoStaleReadsForAClientThatKeepsItsCookie()
    {
        await stack.SwitchAsync("naive-sticky");
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = stack.LoadBalancer };
        var servedBy = new HashSet<string>();
        var stale = 0;
        for (var i = 0; i < 40; i++)
        {
            var id = Load.ProductCount + 200 + i;
            // Every replica's Redis holds the old version: only stickiness keeps this client away from them.
            foreach (var replica in stack.Replicas)
            {
                await Storefront.ReadAsync(replica, id);
            }
            var written = await Storefront.WriteAsync(client, id, Storefront.Price(i));
            var read = await Storefront.ReadAsync(client, id);
            servedBy.Add(read.ServedBy);
            stale += read.Version < written.Version ? 1 : 0;
        }
        Assert.Single(servedBy);
        Assert.Equal(0, stale);
    }

    [Theory]
    [InlineData("cluster")]
    [InlineData("cluster-near")]
    public async Task AThousandWriteThenReadPairsThroughDifferentReplicasReadNoStaleVersion(string topology)
    {
        await stack.SwitchAsync(topology);
        const int Workers = 4;
        const int PairsPerWorker = 260;
        var stale = 0;
        var hits = 0;
        await Parallel.ForAsync(0, Workers, async (worker, _) =>
        {
            for (var k = 0; k < PairsPerWorker; k++)
            {
                // 20 products per worker, so every replica's cache (and near cache) holds each of them often.
                var id = Load.ProductCount + 1_000 + worker * 20 + k % 20;
                var written = await Storefront.WriteAsync(stack.Replicas[k % 3], id, Storefront.Price(k));
                var read = await Storefront.ReadAsync(stack.Replicas[(k + 1) % 3], id);
                var again = await Storefront.ReadAsync(stack.Replicas[(k + 2) % 3], id);
                if (read.Version < written.Version || again.Version < written.Version)
                {
                    Interlocked.Increment(ref stale);
                }
                if (again.Cache == "hit")
                {
                    Interlocked.Increment(ref hits);
                }
            }
        });
        output.WriteLine($"{topology}: {Workers * PairsPerWorker} write-then-read pairs, {stale} stale, {hits} second reads from the cache");
        Assert.Equal(0, stale);
        Assert.True(hits > Workers * PairsPerWorker / 2, $"only {hits} second reads were cache hits: the cache was not exercised");
    }

    [Fact]
    public async Task SwitchingTopologyUnderLoadFailsNoRequest()
    {
        await stack.SwitchAsync("single");
        await using var load = await Load.StartAsync(stack, "switching");
        foreach (var name in new[] { "naive", "naive-sticky", "cluster", "cluster-near", "none", "single" })
        {
            var result = await stack.SwitchAsync(name);
            output.WriteLine($"{result.From} -> {result.To} under load: {result.ElapsedMilliseconds:0} ms");
        }
        var summary = await load.StopAsync(output);
        Assert.True(summary.Reads > 100, $"only {summary.Reads} reads were measured");
        Assert.Equal(0, summary.Errors);
    }

    [Theory]
    [InlineData("none", "single")]
    [InlineData("naive", "cluster")]
    public async Task ASwitchUnderWritesLeavesNoStaleCopyInTheNewCache(string from, string to)
    {
        await stack.SwitchAsync(from);
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var k = 0; !stop.IsCancellationRequested; k++)
            {
                // Read through one replica (it stores the version in its cache), write through another.
                var id = Load.ProductCount + 7_000 + worker * 3 + k % 3;
                await Storefront.ReadAsync(stack.Replicas[(k + worker + 1) % 3], id);
                var written = await Storefront.WriteAsync(stack.Replicas[(k + worker) % 3], id, Storefront.Price(k));
                acknowledged.AddOrUpdate(id, written.Version, (_, v) => Math.Max(v, written.Version));
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        var result = await stack.SwitchAsync(to);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var stale = 0;
        foreach (var (id, version) in acknowledged)
        {
            foreach (var replica in stack.Replicas)
            {
                stale += (await Storefront.ReadAsync(replica, id)).Version < version ? 1 : 0;
            }
        }
        output.WriteLine($"{from} -> {to} under writes: {result.ElapsedMilliseconds:0} ms, {acknowledged.Count} products written, {stale} stale reads afterwards");
        Assert.Equal(0, stale);
    }
}
