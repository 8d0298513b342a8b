using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.FunctionalTests;

/// <summary>A cluster in the wrong state or busy answers at once and clearly; an interrupted move is finished later.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterStateTests(ClusterFixture fixture)
{
    [Fact]
    public async Task TheConnectionStringOfAClusterNotStartedYetIsKnown()
    {
        var connectionString = await fixture.App.GetConnectionStringAsync(ClusterFixture.Cold);

        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(ClusterFixture.Cold, out var cold));
        Assert.Equal(KnownResourceStates.NotStarted, cold.Snapshot.State?.Text);
        var parts = connectionString!.Split(',');
        Assert.Equal(3, parts.Count(p => p.StartsWith("127.0.0.1:", StringComparison.Ordinal)));
        Assert.StartsWith("password=", parts[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOperationOnAClusterNotStartedFailsAtOnceSayingHowToStartIt()
    {
        var direct = await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Operations.AddMasterAsync(ClusterFixture.Cold));
        var state = await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Operations.GetStateAsync(ClusterFixture.Cold));
        var command = await fixture.App.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync(ClusterFixture.Cold, "redis-cluster-add-master");

        Assert.Contains("NotStarted", direct.Message, StringComparison.Ordinal);
        Assert.Contains("start it first", direct.Message, StringComparison.Ordinal);
        Assert.Contains("NotStarted", state.Message, StringComparison.Ordinal);
        Assert.False(command.Success);
        Assert.Contains("start it first", command.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondOperationWhileOneRunsIsRefusedAtOnce()
    {
        await fixture.ResetAsync();

        // The first operation holds the cluster from the moment it is called: no timing is involved.
        var adding = fixture.Operations.AddMasterAsync(ClusterFixture.Hot);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Operations.AddReplicaAsync(ClusterFixture.Hot));
        var command = await fixture.App.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync(ClusterFixture.Hot, "redis-cluster-reset");
        await adding;

        Assert.Contains("busy with AddMaster", refused.Message, StringComparison.Ordinal);
        Assert.False(command.Success);
        Assert.Contains("busy with AddMaster", command.Message, StringComparison.Ordinal);
        Assert.True((await fixture.Operations.GetStateAsync(ClusterFixture.Hot)).Ok);
    }

    [Fact]
    public async Task AnUnknownClusterIsNamedWithTheOnesThatExist()
    {
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => fixture.Operations.GetStateAsync("nope"));

        Assert.Contains("hot", error.Message, StringComparison.Ordinal);
        Assert.Contains("cold", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Replaces the old "cancel an AddMaster mid-move" test, which depended on the move still running 300 ms after
    /// it began: here the half-moved slot is made directly, as a crash between SETSLOT and MIGRATE leaves it.
    /// </summary>
    [Fact]
    public async Task ASlotLeftHalfMovedIsFinishedBeforeTheNextOperation()
    {
        await fixture.ResetAsync();
        var state = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);
        var source = state.Masters.First();
        var target = state.Masters.Last();
        var slot = source.Slots[0].Start;
        await using var client = await ClusterClient.ConnectAsync(await fixture.ConnectionStringAsync());
        var tag = Enumerable.Range(0, 1_000_000).Select(i => $"t{i}").First(t => client.Connection.HashSlot(t) == slot);
        var before = await client.WriteKeysAsync("{" + tag + "}", 50);

        await client.Connection.GetServer(target.Address).ExecuteAsync("CLUSTER", "SETSLOT", slot, "IMPORTING", source.Id);
        await client.Connection.GetServer(source.Address).ExecuteAsync("CLUSTER", "SETSLOT", slot, "MIGRATING", target.Id);
        var steps = new List<ClusterOperationEvent>();
        using (fixture.Operations.Subscribe(ClusterFixture.Hot, steps.Add))
        {
            await fixture.Operations.AddMasterAsync(ClusterFixture.Hot);
        }

        Assert.Contains(steps, e => e.Step == "repair");
        state = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);
        Assert.All(state.Masters, m => Assert.InRange(m.SlotCount, 4095, 4097));
        Assert.True(state.Ok);
        Assert.Empty(await client.FindWrongAsync(before));
    }
}
