using System.Collections.Concurrent;
using Aspire.Hosting.ApplicationModel;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Cluster.FunctionalTests;

[Collection(ClusterCollection.Name)]
public sealed class FailoverTests(ClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>The manual world (self-healing off): the killed master stays dead until Restart node.</summary>
    [Fact]
    public async Task AKilledMasterIsReplacedByItsReplicaAndNoWriteConfirmedWithWaitIsLost()
    {
        await fixture.ResetAsync(ClusterFixture.Manual);
        await using var client = await ClusterClient.ConnectAsync(await fixture.ConnectionStringAsync(ClusterFixture.Manual));
        var acknowledged = new ConcurrentDictionary<string, string>();
        var failed = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                // A new key per write: a later write that failed half-way cannot hide an acknowledged one.
                if (await TryWriteWithWaitAsync(client, $"ack:{w}:{i}", $"{i}", TimeSpan.FromMilliseconds(500)))
                {
                    acknowledged[$"ack:{w}:{i}"] = $"{i}";
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })).ToList();
        FailoverResult failover;
        try
        {
            await WaitForAcknowledgedWritesAsync(acknowledged, 200);
            failover = await fixture.Operations.KillMasterAsync(ClusterFixture.Manual);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        // With self-healing off the death is still seen, and the log says it stays down; after that, nothing restarts it.
        var killedPort = (await fixture.Operations.GetStateAsync(ClusterFixture.Manual)).Nodes.Single(n => n.Id == failover.KilledNodeId).Port;
        var killed = fixture.Node(ClusterFixture.Manual, killedPort).Name;
        await Healing.WaitForEventAsync(fixture.Operations, ClusterFixture.Manual, e => e.Step == "off" && e.Message.StartsWith(killed + " ", StringComparison.Ordinal));
        await Task.Delay(TimeSpan.FromSeconds(4));
        var state = await fixture.Operations.GetStateAsync(ClusterFixture.Manual);
        Assert.DoesNotContain(fixture.Operations.GetRecentEvents(ClusterFixture.Manual), e => e.Operation == "Heal" && e.Step != "off");
        output.WriteLine($"Failover: {failover.KilledNodeId[..8]} killed, {failover.PromotedNodeId[..8]} promoted, cluster ok after {failover.Elapsed.TotalMilliseconds:0} ms; {acknowledged.Count} writes acknowledged by WAIT 1, {failed} not");
        Assert.True(state.Ok);
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.Contains(state.Masters, m => m.Id == failover.PromotedNodeId && m.SlotCount > 0);
        Assert.Contains(state.Nodes, n => n.Id == failover.KilledNodeId && n.Failed && n.ProcessId is null);
        Assert.Empty(await client.FindWrongAsync(acknowledged));

        await fixture.Operations.RestartNodeAsync(ClusterFixture.Manual, failover.KilledNodeId);

        state = await fixture.Operations.GetStateAsync(ClusterFixture.Manual);
        var back = state.Nodes.Single(n => n.Id == failover.KilledNodeId);
        Assert.Equal(ClusterNodeRole.Replica, back.Role);
        Assert.Equal(failover.PromotedNodeId, back.MasterId);
        Assert.False(back.Failed);
        Assert.True(state.Ok);

        // Writes resume everywhere, each confirmed by a replica again (the restarted node replicates the new master).
        var after = new Dictionary<string, string>();
        for (var i = 0; i < 200; i++)
        {
            Assert.True(await WriteWithWaitEventuallyAsync(client, $"after:{i}", "v"), $"after:{i} was never confirmed by a replica");
            after[$"after:{i}"] = "v";
        }

        Assert.Empty(await client.FindWrongAsync(after));
        Assert.Empty(await client.FindWrongAsync(acknowledged));
    }

    private static string? LastError { get; set; }

    private static async Task<bool> TryWriteWithWaitAsync(ClusterClient client, string key, string value, TimeSpan wait)
    {
        try
        {
            await client.Database.StringSetAsync(key, value);

            // WAIT on the key's own master, on the same connection as the SET: 1 = a replica has it.
            var server = client.Connection.GetServer((RedisKey)key);
            var replicas = (long)await server.ExecuteAsync("WAIT", 1, (long)wait.TotalMilliseconds);
            return replicas >= 1;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LastError = ex.Message;
            return false;
        }
    }

    /// <summary>Retries a write until a replica confirms it: right after a failover the client may still hold the old slot map.</summary>
    private static async Task<bool> WriteWithWaitEventuallyAsync(ClusterClient client, string key, string value)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (await TryWriteWithWaitAsync(client, key, value, TimeSpan.FromSeconds(5)))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static async Task WaitForAcknowledgedWritesAsync(ConcurrentDictionary<string, string> acknowledged, int count)
    {
        // The writers must be confirming writes before the kill, or the test would prove nothing.
        for (var i = 0; i < 600 && acknowledged.Count < count; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(acknowledged.Count >= count, $"only {acknowledged.Count} writes were confirmed by a replica before the kill; last error: {LastError}");
    }
}
