using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Cluster.FunctionalTests;

/// <summary>
/// Self-healing on <c>hot</c> (on by default): a killed node comes back without a click. Every wait is on state or
/// events, bounded; the times from the kill to "every master has a replica again" are written to the output.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SelfHealingTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private RedisClusterOperations Operations => fixture.Operations;

    [Fact]
    public async Task AKilledMasterComesBackAsAReplicaOfItsSuccessorWithoutAClickAndNoKeyIsLost()
    {
        await fixture.ResetAsync();
        await using var client = await ClusterClient.ConnectAsync(await fixture.ConnectionStringAsync());
        var before = await client.WriteKeysAsync("before", 2_000);
        await WaitForReplicasAsync(client);

        var (failover, elapsed) = await KillAndWaitUntilHealedAsync(KillMasterFault.None);

        var state = await Operations.GetStateAsync(ClusterFixture.Hot);
        var back = state.Nodes.Single(n => n.Id == failover.KilledNodeId);
        Assert.Equal(ClusterNodeRole.Replica, back.Role);
        Assert.Equal(failover.PromotedNodeId, back.MasterId);
        Assert.True(Healing.EveryMasterHasAReplica(state));
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(fixture.Node(ClusterFixture.Hot, back.Port).Name, out var node));
        Assert.Equal(KnownResourceStates.Running, node.Snapshot.State?.Text);

        // The master came back only after its replica had taken over: had it returned first, as an empty owner of
        // its slots, its replica would have copied that empty data set.
        Assert.Empty(await client.FindWrongAsync(before));
        await AssertClusterCheckOkAsync(state);
        Healing.Log(output, $"Self-healing after Kill master: every master had a replica again {elapsed.TotalMilliseconds:0} ms after the kill (failover {failover.Elapsed.TotalMilliseconds:0} ms)");
    }

    [Theory]
    [InlineData(ClusterNodeRole.Master)]
    [InlineData(ClusterNodeRole.Replica)]
    public async Task ANodeKilledOutsideTheOperationsIsHealedToo(ClusterNodeRole role)
    {
        await fixture.ResetAsync();
        var before = await Operations.GetStateAsync(ClusterFixture.Hot);
        var victim = before.Nodes.Where(n => n.Role == role).OrderBy(n => n.Port).First();
        var since = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();

        // kill -9 from outside, as a crash or the OOM killer: no operation holds the cluster, healing waits for the failover itself.
        using (var process = Process.GetProcessById(victim.ProcessId!.Value))
        {
            process.Kill();
        }

        var state = await Healing.WaitForStateAsync(Operations, ClusterFixture.Hot,
            s => Healing.EveryMasterHasAReplica(s) && s.Nodes.Any(n => n.Id == victim.Id && n.Role == ClusterNodeRole.Replica && n.ProcessId != victim.ProcessId),
            "healed");
        watch.Stop();
        await WaitForHealDoneAsync(since);

        var steps = Operations.GetRecentEvents(ClusterFixture.Hot).Where(e => e.Time >= since && e.Operation == "Heal").Select(e => e.Step).ToList();
        Assert.Contains("detected", steps);
        Assert.Equal(role == ClusterNodeRole.Master, steps.Contains("failover"));
        Assert.Equal(6, state.Nodes.Count);
        await AssertClusterCheckOkAsync(state);
        Healing.Log(output, $"Self-healing after kill -9 of a {role.ToString().ToLowerInvariant()}: every master had a replica again {watch.Elapsed.TotalMilliseconds:0} ms after the kill");
    }

    [Fact]
    public async Task KillingWhicheverNodeIsMasterThreeTimesInARowHealsEachTime()
    {
        await fixture.ResetAsync();
        string? promoted = null;
        for (var round = 1; round <= 3; round++)
        {
            var (failover, elapsed) = await KillAndWaitUntilHealedAsync(KillMasterFault.None);
            if (promoted is not null)
            {
                // The master of slots 0.. is killed each time: the node promoted by one round is the victim of the next.
                Assert.Equal(promoted, failover.KilledNodeId);
            }

            promoted = failover.PromotedNodeId;
            var state = await Operations.GetStateAsync(ClusterFixture.Hot);
            Assert.True(Healing.EveryMasterHasAReplica(state));
            Assert.Equal(6, state.Nodes.Count);
            Healing.Log(output, $"Self-healing, kill {round} of 3 ({failover.KilledNodeId[..8]}): every master had a replica again {elapsed.TotalMilliseconds:0} ms after the kill (failover {failover.Elapsed.TotalMilliseconds:0} ms)");
        }

        await AssertClusterCheckOkAsync(await Operations.GetStateAsync(ClusterFixture.Hot));
    }

    [Fact]
    public async Task ANodeWhoseRestartFailsIsReplacedByASpare()
    {
        await fixture.ResetAsync();
        var spares = fixture.HotCluster.Nodes.Skip(fixture.HotCluster.InitialNodeCount).Select(n => n.Port).ToHashSet();
        var watch = Stopwatch.StartNew();
        var since = DateTimeOffset.UtcNow;
        var failover = await Operations.KillMasterAsync(ClusterFixture.Hot, null, KillMasterFault.RestartFails);
        var state = await Healing.WaitForStateAsync(Operations, ClusterFixture.Hot,
            s => Healing.EveryMasterHasAReplica(s) && s.Nodes.All(n => n.Id != failover.KilledNodeId) && s.Nodes.Any(n => spares.Contains(n.Port)),
            "healed by a spare");
        watch.Stop();
        await WaitForHealDoneAsync(since);

        var events = Operations.GetRecentEvents(ClusterFixture.Hot).Where(e => e.Time >= since && e.Operation == "Heal").Select(e => e.Step).ToList();
        Assert.Contains("restart-failed", events);
        Assert.Contains("forget", events);
        Assert.Contains("spare", events);
        Assert.Equal(6, state.Nodes.Count);
        var replacement = state.Nodes.Single(n => spares.Contains(n.Port));
        Assert.Equal(ClusterNodeRole.Replica, replacement.Role);
        Assert.Equal(failover.PromotedNodeId, replacement.MasterId);

        // The broken node stays down (set aside) and shows so in the dashboard.
        var brokenPort = fixture.HotCluster.Nodes.Select(n => n.Port).Except(state.Nodes.Select(n => n.Port)).Except(spares).Single();
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(fixture.Node(ClusterFixture.Hot, brokenPort).Name, out var broken));
        Assert.NotEqual(KnownResourceStates.Running, broken.Snapshot.State?.Text);
        await AssertClusterCheckOkAsync(state);
        Healing.Log(output, $"Self-healing after Kill master with a failing restart: a spare was the promoted master's replica {watch.Elapsed.TotalMilliseconds:0} ms after the kill (failover {failover.Elapsed.TotalMilliseconds:0} ms)");
    }

    [Fact]
    public async Task StoppingOrRemovingANodeDoesNotHealIt()
    {
        await fixture.ResetAsync();
        var since = DateTimeOffset.UtcNow;
        var initial = await Operations.GetStateAsync(ClusterFixture.Hot);
        var masters = initial.Masters.ToList();
        var removed = initial.Replicas.Single(r => r.MasterId == masters[1].Id);
        var stopped = fixture.Node(ClusterFixture.Hot, initial.Replicas.Single(r => r.MasterId == masters[2].Id).Port);
        var removedName = fixture.Node(ClusterFixture.Hot, removed.Port).Name;

        await Operations.RemoveNodeAsync(ClusterFixture.Hot, removed.Id);
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        var stop = await commands.ExecuteCommandAsync(stopped, KnownResourceCommands.StopCommand);
        Assert.True(stop.Success, stop.Message);
        await fixture.App.ResourceNotifications.WaitForResourceAsync(stopped.Name, e => e.Snapshot.State?.Text is { } s && KnownResourceStates.TerminalStates.Contains(s));

        // A death after the stops: the watch sees events in order, so once this one is seen the stops were seen too.
        var victim = fixture.Node(ClusterFixture.Hot, masters[0].Port).Name;
        await Operations.KillMasterAsync(ClusterFixture.Hot, masters[0].Id);
        await Healing.WaitForEventAsync(Operations, ClusterFixture.Hot, e => e.Time >= since && e.Step == "detected" && e.Message.StartsWith(victim + " ", StringComparison.Ordinal));
        await WaitForHealDoneAsync(since);

        var detected = Operations.GetRecentEvents(ClusterFixture.Hot).Where(e => e.Time >= since && e.Operation == "Heal" && e.Step == "detected").ToList();
        Assert.DoesNotContain(detected, e => e.Message.StartsWith(removedName + " ", StringComparison.Ordinal));
        Assert.DoesNotContain(detected, e => e.Message.StartsWith(stopped.Name + " ", StringComparison.Ordinal));
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(stopped.Name, out var stoppedNow));
        Assert.NotEqual(KnownResourceStates.Running, stoppedNow.Snapshot.State?.Text);
        var state = await Operations.GetStateAsync(ClusterFixture.Hot);
        Assert.Contains(state.Nodes, n => n.Port == stopped.Port && n.Failed && n.ProcessId is null);
    }

    /// <summary>Kills the first master with a replica and waits until the cluster healed: the returned time is kill → every master has a replica again.</summary>
    private async Task<(FailoverResult Failover, TimeSpan Elapsed)> KillAndWaitUntilHealedAsync(KillMasterFault fault)
    {
        var since = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var failover = await Operations.KillMasterAsync(ClusterFixture.Hot, null, fault);
        await Healing.WaitForStateAsync(Operations, ClusterFixture.Hot,
            s => Healing.EveryMasterHasAReplica(s) && s.Nodes.Any(n => n.Id == failover.KilledNodeId && n.Role == ClusterNodeRole.Replica),
            "healed");
        watch.Stop();
        await WaitForHealDoneAsync(since);
        return (failover, watch.Elapsed);
    }

    /// <summary>The heal's own end (it releases the cluster for the next operation).</summary>
    private async Task WaitForHealDoneAsync(DateTimeOffset since)
    {
        var end = await Healing.WaitForEventAsync(Operations, ClusterFixture.Hot, e => e.Time >= since && e.Operation == "Heal" && e.Step is "done" or "failed");
        Assert.True(end.Step == "done", Healing.Describe(Operations, ClusterFixture.Hot));
    }

    private async Task AssertClusterCheckOkAsync(ClusterState state)
    {
        var (exitCode, text) = await Healing.ClusterCheckAsync(fixture.HotCluster, state.Masters.First().Port);
        Assert.True(exitCode == 0, text);
        Assert.Contains("[OK] All 16384 slots covered.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[ERR]", text, StringComparison.Ordinal);
    }

    /// <summary>WAIT 1 on every master, on the client's own connections: what was written is on a replica before the kill.</summary>
    private static async Task WaitForReplicasAsync(ClusterClient client)
    {
        foreach (var endpoint in client.Connection.GetEndPoints())
        {
            var server = client.Connection.GetServer(endpoint);
            if (!server.IsReplica)
            {
                Assert.True((long)await server.ExecuteAsync("WAIT", 1, 5000) >= 1, $"{endpoint} has no replica that confirmed the writes");
            }
        }
    }
}
