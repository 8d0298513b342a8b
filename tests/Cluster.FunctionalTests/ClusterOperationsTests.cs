using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Xunit.Abstractions;

namespace Cluster.FunctionalTests;

/// <summary>Every operation against the real cluster under DCP, with a StackExchange.Redis client reading and writing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterOperationsTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const int KeysWrittenBefore = 5_000;

    [Fact]
    public async Task StartingTheClusterCreatesThreeMastersWithSlotsAndOneReplicaEach()
    {
        await fixture.ResetAsync();

        var state = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);

        Assert.True(state.Ok);
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.Equal(3, state.Masters.Count());
        Assert.All(state.Masters, m => Assert.True(m.SlotCount > 5000));
        Assert.All(state.Masters, m => Assert.Single(state.Replicas, r => r.MasterId == m.Id));
        Assert.All(state.Nodes, n => Assert.NotNull(n.ProcessId));
        var initialPorts = fixture.HotCluster.Nodes.Take(6).Select(n => n.Port).Order();
        Assert.Equal(initialPorts, state.Nodes.Select(n => n.Port).Order());
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(ClusterFixture.Hot, out var resource));
        Assert.Equal(KnownResourceStates.Running, resource.Snapshot.State?.Text);
    }

    [Fact]
    public async Task AddingAMasterUnderLoadBalancesTheSlotsWithNoFailedOrWrongRequest()
    {
        await fixture.ResetAsync();
        await using var client = await ClusterClient.ConnectAsync(await fixture.ConnectionStringAsync());
        var before = await client.WriteKeysAsync("before", KeysWrittenBefore);
        using var stop = new CancellationTokenSource();
        var load = client.RunLoadAsync(workers: 4, stop.Token);

        var watch = Stopwatch.StartNew();
        string id;
        try
        {
            id = await fixture.Operations.AddMasterAsync(ClusterFixture.Hot);
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        watch.Stop();
        foreach (var error in client.Errors)
        {
            output.WriteLine(error);
        }

        var state = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);
        var masters = state.Masters.ToList();
        output.WriteLine($"AddMaster took {watch.ElapsedMilliseconds} ms with {KeysWrittenBefore} keys before and {client.Operations} SET+GET pairs during it; slots: {string.Join(", ", masters.Select(m => m.SlotCount))}");
        Assert.Equal(4, masters.Count);
        Assert.Contains(masters, m => m.Id == id && m.SlotCount > 0);
        Assert.All(masters, m => Assert.InRange(m.SlotCount, 4095, 4097));
        Assert.True(state.Ok);
        Assert.True(client.Operations > 0);
        Assert.Empty(client.Errors);
        Assert.Empty(await client.FindWrongAsync(before));
        Assert.Empty(await client.FindWrongAsync(client.Written));
    }

    [Fact]
    public async Task RemovingAMasterUnderLoadLosesNoKeyAndStopsItsNode()
    {
        await fixture.ResetAsync();
        await using var client = await ClusterClient.ConnectAsync(await fixture.ConnectionStringAsync());
        var before = await client.WriteKeysAsync("before", KeysWrittenBefore);
        var victim = (await fixture.Operations.GetStateAsync(ClusterFixture.Hot)).Masters.First(m => m.Keys > 0);
        using var stop = new CancellationTokenSource();
        var load = client.RunLoadAsync(workers: 4, stop.Token);

        var watch = Stopwatch.StartNew();
        try
        {
            await fixture.Operations.RemoveNodeAsync(ClusterFixture.Hot, victim.Id);
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        watch.Stop();
        foreach (var error in client.Errors)
        {
            output.WriteLine(error);
        }

        var state = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);
        output.WriteLine($"RemoveNode of a master with {victim.Keys} keys took {watch.ElapsedMilliseconds} ms; {client.Operations} SET+GET pairs during it");
        Assert.DoesNotContain(state.Nodes, n => n.Id == victim.Id);
        Assert.Equal(2, state.Masters.Count());
        Assert.Equal(5, state.Nodes.Count);
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.True(state.Ok);
        Assert.All(state.Replicas, r => Assert.Contains(state.Masters, m => m.Id == r.MasterId));
        Assert.DoesNotContain(Process.GetProcesses(), p => p.Id == victim.ProcessId);
        Assert.Empty(client.Errors);
        Assert.Empty(await client.FindWrongAsync(before));
        Assert.Empty(await client.FindWrongAsync(client.Written));
    }

    [Fact]
    public async Task TwoSpareNodesAllowTwoAddsAndARemovedNodeIsASpareAgain()
    {
        await fixture.ResetAsync();
        var firstReplica = (await fixture.Operations.GetStateAsync(ClusterFixture.Hot)).Replicas.First();
        await fixture.Operations.AddMasterAsync(ClusterFixture.Hot);
        await fixture.Operations.AddReplicaAsync(ClusterFixture.Hot);

        var full = await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Operations.AddReplicaAsync(ClusterFixture.Hot));
        await fixture.Operations.RemoveNodeAsync(ClusterFixture.Hot, firstReplica.Id);
        var id = await fixture.Operations.AddReplicaAsync(ClusterFixture.Hot);

        Assert.Contains("spare", full.Message, StringComparison.Ordinal);
        Assert.Contains("Remove a node first", full.Message, StringComparison.Ordinal);
        var state = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);
        Assert.Equal(8, state.Nodes.Count);
        Assert.Equal(firstReplica.Port, state.Nodes.Single(n => n.Id == id).Port);
        Assert.All(state.Masters, m => Assert.Single(state.Replicas, r => r.MasterId == m.Id));
        Assert.True(state.Ok);
    }

    [Fact]
    public async Task AReplicaIsAddedToTheMasterWithFewestReplicas()
    {
        await fixture.ResetAsync();
        var replica = (await fixture.Operations.GetStateAsync(ClusterFixture.Hot)).Replicas.First();
        await fixture.Operations.RemoveNodeAsync(ClusterFixture.Hot, replica.Id);

        var id = await fixture.Operations.AddReplicaAsync(ClusterFixture.Hot);

        var state = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);
        Assert.DoesNotContain(state.Nodes, n => n.Id == replica.Id);
        Assert.Equal(replica.MasterId, state.Nodes.Single(n => n.Id == id).MasterId);
        Assert.All(state.Masters, m => Assert.Single(state.Replicas, r => r.MasterId == m.Id));
        Assert.True(state.Ok);
    }

    [Fact]
    public async Task ResetLeavesAnEmptyClusterWithAllSlotsCovered()
    {
        await fixture.ResetAsync();
        await using (var client = await ClusterClient.ConnectAsync(await fixture.ConnectionStringAsync()))
        {
            await client.WriteKeysAsync("before", 1_000);
        }

        await fixture.Operations.AddMasterAsync(ClusterFixture.Hot);

        await fixture.Operations.ResetAsync(ClusterFixture.Hot);

        var state = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);
        Assert.True(state.Ok);
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.Equal(3, state.Masters.Count());
        Assert.Equal(3, state.Replicas.Count());
        Assert.All(state.Nodes, n => Assert.Equal(0, n.Keys));
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(ClusterFixture.Hot);
    }

    [Fact]
    public async Task RemovingAnUnknownNodeSaysWhereTheIdsAreListed()
    {
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => fixture.Operations.RemoveNodeAsync(ClusterFixture.Hot, "ffffffffffff"));

        Assert.Contains("lists the node ids", error.Message, StringComparison.Ordinal);
        Assert.True((await fixture.Operations.GetStateAsync(ClusterFixture.Hot)).Ok);
    }
}
