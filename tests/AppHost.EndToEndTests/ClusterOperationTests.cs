using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

/// <summary>The cluster operations through the control API, under LoadGen load through the load balancer.</summary>
[Collection(SampleAppCollection.Name)]
public sealed class ClusterOperationTests(SampleApp stack, ITestOutputHelper output)
{
    private static string ClusterApi => $"/api/clusters/{ResourceNames.ClusterCache}";

    private ClusterOperations Cluster => new(stack.App.Services.GetRequiredService<RedisClusterOperations>());

    /// <summary>The hosting operations bound to the sample's cluster.</summary>
    private sealed class ClusterOperations(RedisClusterOperations operations)
    {
        public Task<ClusterState> GetStateAsync() => operations.GetStateAsync(ResourceNames.ClusterCache);

        public Task<string> AddMasterAsync() => operations.AddMasterAsync(ResourceNames.ClusterCache);
    }

    [Fact]
    public async Task AddingAMasterUnderLoadBalancesTheSlotsAndFailsNoRequest()
    {
        await stack.SwitchAsync("cluster");
        await using var load = await Load.StartAsync(stack, "add master");
        var clock = Stopwatch.StartNew();
        using (var response = await stack.Control.PostAsync($"{ClusterApi}/masters", null))
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
        output.WriteLine($"add master: {clock.Elapsed.TotalSeconds:0.0} s");
        var summary = await load.StopAsync(output);

        var masters = (await Cluster.GetStateAsync()).Masters.Where(m => !m.Failed).ToList();
        var mean = masters.Average(m => m.SlotCount);
        output.WriteLine($"slots per master: {string.Join(", ", masters.Select(m => m.SlotCount))}");
        Assert.True(masters.Count >= 4);
        Assert.All(masters, m => Assert.InRange(m.SlotCount, mean * 0.99, mean * 1.01));
        Assert.Equal(0, summary.Errors);
    }

    [Fact]
    public async Task RemovingANodeUnderLoadKeepsEveryKeyWrittenBeforeReadable()
    {
        await stack.SwitchAsync("cluster");
        if ((await Cluster.GetStateAsync()).Masters.Count(m => !m.Failed) <= 3)
        {
            // Keep three masters after the removal: Redis Cluster needs them.
            await Cluster.AddMasterAsync();
        }
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await stack.App.GetConnectionStringAsync(ResourceNames.ClusterCache))!);
        var db = redis.GetDatabase();
        const int Keys = 2_000;
        for (var i = 0; i < Keys; i += 100)
        {
            await Task.WhenAll(Enumerable.Range(i, 100).Select(k => db.StringSetAsync($"topology-test:{k}", $"value-{k}")));
        }
        var victim = (await Cluster.GetStateAsync()).Masters.Where(m => !m.Failed).OrderByDescending(m => m.Port).First();

        await using var load = await Load.StartAsync(stack, "remove node");
        var clock = Stopwatch.StartNew();
        using (var response = await stack.Control.DeleteAsync($"{ClusterApi}/nodes/{victim.Id}"))
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
        output.WriteLine($"remove master {victim.Address} ({victim.SlotCount} slots, {victim.Keys} keys): {clock.Elapsed.TotalSeconds:0.0} s");
        var summary = await load.StopAsync(output);

        var missing = 0;
        for (var i = 0; i < Keys; i += 100)
        {
            var values = await Task.WhenAll(Enumerable.Range(i, 100).Select(async k => (k, await db.StringGetAsync($"topology-test:{k}"))));
            missing += values.Count(v => v.Item2.ToString() != $"value-{v.k}");
        }
        Assert.DoesNotContain((await Cluster.GetStateAsync()).Nodes, n => n.Id == victim.Id);
        Assert.Equal(0, missing);
        Assert.Equal(0, summary.Errors);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task KillingAMasterUnderLoadLosesNoAcknowledgedInvalidationWithOrWithoutWait(int waitForReplicas)
    {
        await stack.SwitchAsync("cluster", waitForReplicas: waitForReplicas);
        var before = await Cluster.GetStateAsync();
        var victim = before.Masters.Where(m => !m.Failed && before.Replicas.Any(r => r.MasterId == m.Id && !r.Failed)).OrderBy(m => m.Port).First();
        var victimSlots = victim.Slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).ToHashSet();

        // Products above LoadGen's range, read (so every replica's cache holds the old version) then written.
        var acknowledged = new ConcurrentDictionary<int, int>();
        var outcomes = new ConcurrentDictionary<string, int>();
        var killedAtTicks = -1L;
        var clock = Stopwatch.StartNew();
        TimeSpan? victimShardAcceptsAgain = null;
        using var stop = new CancellationTokenSource();
        await using var load = await Load.StartAsync(stack, "kill master");
        var writers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var k = 0; !stop.IsCancellationRequested; k++)
            {
                var id = Load.ProductCount + 5_000 + worker * 50 + k % 50;
                await Storefront.ReadAsync(stack.Replicas[(k + 1) % 3], id);
                var written = await Storefront.WriteAsync(stack.Replicas[k % 3], id, Storefront.Price(k));
                outcomes.AddOrUpdate(written.Invalidation, 1, (_, n) => n + 1);
                // Every answered write is acknowledged, whatever its invalidation says: none may be lost.
                acknowledged.AddOrUpdate(id, written.Version, (_, v) => Math.Max(v, written.Version));
                if (written.Invalidation is "deleted" || written.Invalidation.StartsWith("confirmed", StringComparison.Ordinal))
                {
                    if (Interlocked.Read(ref killedAtTicks) >= 0 && victimShardAcceptsAgain is null && victimSlots.Contains(HashSlot.Of($"product:{id}")))
                    {
                        victimShardAcceptsAgain = clock.Elapsed - TimeSpan.FromTicks(Interlocked.Read(ref killedAtTicks));
                    }
                }
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(1));
        Interlocked.Exchange(ref killedAtTicks, clock.Elapsed.Ticks);
        FailoverResult failover;
        using (var response = await stack.Control.PostAsync($"{ClusterApi}/failover?nodeId={victim.Id}", null))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            failover = JsonSerializer.Deserialize<FailoverResult>(body, JsonSerializerOptions.Web)!;
        }
        output.WriteLine($"failover: a replica took over {failover.Elapsed.TotalSeconds:0.0} s after SIGKILL of {victim.Address}");

        // With WAIT, the promoted master has no replica left to confirm it until the killed node comes back as its replica:
        // self-healing brings it back without a call (bounded wait on the cluster's state).
        var healed = false;
        while (!healed && clock.Elapsed < TimeSpan.FromTicks(killedAtTicks) + TimeSpan.FromSeconds(90))
        {
            var state = await Cluster.GetStateAsync();
            healed = state.Nodes.Any(n => n.Id == failover.KilledNodeId && n.Role == ClusterNodeRole.Replica && !n.Failed);
            await Task.Delay(healed ? 0 : 100);
        }
        Assert.True(healed, $"the killed master {failover.KilledNodeId[..8]} did not come back as a replica by itself");
        output.WriteLine($"self-healing: the killed master was a replica again {(clock.Elapsed - TimeSpan.FromTicks(killedAtTicks)).TotalSeconds:0.0} s after the kill");
        while (victimShardAcceptsAgain is null && clock.Elapsed < TimeSpan.FromTicks(killedAtTicks) + TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }
        // Writes and reads on the healed cluster, then stop.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        var summary = await load.StopAsync(output, TimeSpan.Zero);
        output.WriteLine($"invalidations of the killed master's shard written (and with WAIT confirmed) again {victimShardAcceptsAgain?.TotalSeconds:0.0} s after the kill (self-healing's restart of the old master as a replica included)");
        output.WriteLine($"write outcomes: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}");

        // Every acknowledged invalidation survived the failover: no replica serves a version older than the last acknowledged write.
        var lost = 0;
        foreach (var (id, version) in acknowledged)
        {
            foreach (var replica in stack.Replicas)
            {
                lost += (await Storefront.ReadAsync(replica, id)).Version < version ? 1 : 0;
            }
        }
        output.WriteLine($"{acknowledged.Count} products with acknowledged writes, {lost} stale reads after the failover");
        Assert.NotNull(victimShardAcceptsAgain);
        Assert.True(acknowledged.Count > 30, $"only {acknowledged.Count} products had an acknowledged write");
        Assert.Equal(0, lost);
        Assert.Equal(0, summary.StaleReads);
        Assert.Equal(0, summary.Errors);
    }
}
