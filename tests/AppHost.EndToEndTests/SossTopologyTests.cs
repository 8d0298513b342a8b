using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost.Topologies;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

/// <summary>
/// The <c>soss</c> topology on the real AppHost, given a 3+3 Redis Cluster standing in for ScaleOut StateServer's
/// Redis-protocol endpoint (SOSS itself cannot be installed here: what SOSS answers differently is not tested).
/// </summary>
[Collection(SossStandInAppCollection.Name)]
public sealed class SossTopologyTests(SossStandInApp soss, ITestOutputHelper output)
{
    private SampleApp Stack => soss.Stack;

    [Fact]
    public async Task SwitchingToSossServesTheCatalogThroughTheLoadBalancerWithNoStaleReadsAgainstARedisClusterStandingInForSoss()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var healthy = await Stack.App.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Soss, timeout.Token);
        Assert.Equal(HealthStatus.Healthy, healthy.Snapshot.HealthStatus);

        // What the user's store already holds: one key of someone else's, and a product copy left from an earlier visit.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(soss.ConnectionString);
        var db = redis.GetDatabase();
        const int Leftover = Load.ProductCount + 3_000;
        await db.StringSetAsync("someone-else:data", "keep me");
        await db.StringSetAsync($"product:{Leftover}", "v0|{\"stale\":true}");

        var result = await Stack.SwitchAsync("soss");
        output.WriteLine($"{result.From} -> {result.To}: {result.ElapsedMilliseconds:0} ms; {string.Join(" | ", result.Steps.Select(s => $"[{s.Step}] {s.Message}"))}");
        Assert.Equal("soss", result.To);
        Assert.Contains(result.Steps, s => s.Step == "flush" && s.Message.StartsWith("deleted 1 product:* keys on soss", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Steps, s => s.Message.Contains("FLUSHALL", StringComparison.Ordinal));
        Assert.Equal("keep me", (string?)await db.StringGetAsync("someone-else:data"));
        Assert.False(await db.KeyExistsAsync($"product:{Leftover}"));

        // Write through one replica, read through the next and then through the load balancer (round robin: any).
        using var lb = Stack.CreateLoadBalancerClient();
        const int Workers = 4;
        const int PairsPerWorker = 75;
        var stale = 0;
        var hits = 0;
        var servedBy = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await Parallel.ForAsync(0, Workers, async (worker, _) =>
        {
            for (var k = 0; k < PairsPerWorker; k++)
            {
                var id = Load.ProductCount + 3_100 + worker * 20 + k % 20;
                var written = await Storefront.WriteAsync(Stack.Replicas[k % 3], id, Storefront.Price(k));
                var read = await Storefront.ReadAsync(Stack.Replicas[(k + 1) % 3], id);
                var again = await Storefront.ReadAsync(lb, id);
                servedBy.AddOrUpdate(again.ServedBy, 1, (_, n) => n + 1);
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
        var pairs = Workers * PairsPerWorker;
        output.WriteLine($"soss (Redis Cluster standing in): {pairs} write-then-read pairs, {stale} stale, {hits} reads through the LB from the cache, served by {string.Join(", ", servedBy.Select(p => $"{p.Key} {p.Value}"))}");
        Assert.Equal(0, stale);
        Assert.True(hits > pairs / 2, $"only {hits} of {pairs} reads through the load balancer were cache hits");
        Assert.Equal(3, servedBy.Count);

        // The copies are in the stand-in, spread over its masters.
        var masters = redis.GetServers().Where(s => !s.IsReplica).ToList();
        var holding = 0;
        foreach (var master in masters)
        {
            var any = false;
            await foreach (var _ in master.KeysAsync(pattern: "product:*", pageSize: 100))
            {
                any = true;
                break;
            }
            holding += any ? 1 : 0;
        }
        Assert.Equal(3, holding);

        var status = await Stack.Control.GetFromJsonAsync<TopologyStatus>("/api/topology");
        Assert.Equal("soss", status!.Current);
    }

    [Fact]
    public async Task SwitchingToSossWhileItIsUnhealthyFailsWithItsHealthErrorNamingTheSettingAgainstARedisClusterStandingInForSoss()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await Stack.App.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Soss, timeout.Token);
        var node = soss.Nodes[0];
        node.Kill();
        try
        {
            await Stack.App.ResourceNotifications.WaitForResourceAsync(ResourceNames.Soss, e => e.Snapshot.HealthStatus == HealthStatus.Unhealthy, timeout.Token);

            using var response = await Stack.Control.PutAsJsonAsync("/api/topology", new { name = "soss" }, timeout.Token);
            var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token)).RootElement.GetProperty("detail").GetString();
            output.WriteLine(detail);

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("soss is not healthy after 15 s", detail, StringComparison.Ordinal);
            Assert.Contains(node.EndPoint, detail, StringComparison.Ordinal);
            Assert.Contains("Parameters:soss-hosts", detail, StringComparison.Ordinal);
        }
        finally
        {
            // Back as it was for the other tests: the node rejoins (as a replica if its replica took over), every node
            // agrees the cluster is up, and soss is healthy again.
            await node.StartAsync();
            foreach (var each in soss.Nodes)
            {
                while (!(await each.CliAsync("CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    timeout.Token.ThrowIfCancellationRequested();
                    await Task.Delay(100, timeout.Token);
                }
            }
            await Stack.App.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Soss, timeout.Token);
        }
    }

    [Fact]
    public async Task SossRefusesWaitAgainstARedisClusterStandingInForSoss()
    {
        using var response = await Stack.Control.PutAsJsonAsync("/api/topology", new { name = "soss", waitForReplicas = 1 });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("waitForReplicas", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
