using System.Diagnostics;
using Hosting.Cluster;
using Xunit.Abstractions;

namespace Cluster.FunctionalTests;

/// <summary>Every operation against a real cluster of redis-server processes on free loopback ports.</summary>
public sealed class RedisClusterManagerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int KeysWrittenBefore = 5_000;
    private RedisClusterManager _cluster = null!;
    private IDisposable? _subscription;

    public async Task InitializeAsync()
    {
        _cluster = new RedisClusterManager(new RedisClusterOptions { NodeTimeout = TimeSpan.FromSeconds(2) });
        _subscription = _cluster.Events.Subscribe(new Observer(e => output.WriteLine($"{e.Time:HH:mm:ss.fff} {e.Operation} [{e.Step}] {e.Message}")));
        try
        {
            await _cluster.CreateAsync();
        }
        catch
        {
            // End the nodes started so far even if the test is not disposed after a failed InitializeAsync.
            await _cluster.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        var ports = _cluster.Endpoints;
        await _cluster.DisposeAsync();
        _subscription?.Dispose();
        Assert.Empty(RunningRedisServers(ports));
    }

    [Fact]
    public async Task CreatingAClusterCoversAllSlotsWithThreeMastersAndOneReplicaEach()
    {
        var state = await _cluster.GetStateAsync();

        Assert.True(state.Ok);
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.Equal(3, state.Masters.Count());
        Assert.All(state.Masters, m => Assert.Single(state.Replicas, r => r.MasterId == m.Id));
        Assert.All(state.Nodes, n => Assert.NotNull(n.ProcessId));
        Assert.Equal(6, _cluster.Endpoints.Count);
        Assert.EndsWith(",password=" + _cluster.Password, _cluster.ConnectionString);
    }

    [Fact]
    public async Task AddingAMasterUnderLoadBalancesSlotsAndLosesNoKeys()
    {
        var before = await WriteKeysAsync("before", KeysWrittenBefore);
        var load = new ClusterLoad();
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(_cluster, workers: 4, maxOperationsPerWorker: 50_000, stop.Token);

        var watch = Stopwatch.StartNew();
        var id = await _cluster.AddMasterAsync();
        watch.Stop();
        await stop.CancelAsync();
        await running;

        var state = await _cluster.GetStateAsync();
        var masters = state.Masters.ToList();
        var mean = masters.Average(m => m.SlotCount);
        output.WriteLine($"AddMaster took {watch.ElapsedMilliseconds} ms with {KeysWrittenBefore} keys before and {load.Operations} SET+GET pairs during it ({load.Redirects} redirects followed); slots: {string.Join(", ", masters.Select(m => m.SlotCount))}");
        Assert.Equal(4, masters.Count);
        Assert.Contains(masters, m => m.Id == id && m.SlotCount > 0);
        Assert.All(masters, m => Assert.InRange(m.SlotCount, mean * 0.99, mean * 1.01));
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.True(state.Ok);
        Assert.True(load.Operations > 0);
        Assert.Empty(load.Errors);
        await AssertReadableAsync(before);
        await AssertReadableAsync(load.Written);
    }

    [Fact]
    public async Task AnAddMasterCancelledMidMoveIsFinishedByTheNextOperation()
    {
        var before = await WriteKeysAsync("before", KeysWrittenBefore);
        using var cancel = new CancellationTokenSource();
        using var cancelWhenMoving = _cluster.Events.Subscribe(new Observer(e =>
        {
            if (e.Step == "migrate")
            {
                cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
            }
        }));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _cluster.AddMasterAsync(cancel.Token));
        await AssertReadableAsync(before);
        await _cluster.AddMasterAsync();

        var state = await _cluster.GetStateAsync();
        var mean = state.Masters.Average(m => m.SlotCount);
        Assert.Equal(5, state.Masters.Count());
        Assert.All(state.Masters, m => Assert.InRange(m.SlotCount, mean * 0.99, mean * 1.01));
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.True(state.Ok);
        await AssertReadableAsync(before);
    }

    [Fact]
    public async Task ASlotLeftHalfMovedIsFinishedBeforeTheNextOperation()
    {
        var state = await _cluster.GetStateAsync();
        var source = state.Masters.First();
        var target = state.Masters.Last();
        var slot = source.Slots[0].Start;
        var tag = Enumerable.Range(0, 1_000_000).Select(i => $"t{i}").First(t => ClusterTestClient.KeySlot(t) == slot);
        var before = await WriteKeysAsync("{" + tag + "}", 50);
        await using (var onTarget = await RespConnection.ConnectAsync("127.0.0.1", target.Port, _cluster.Password, default))
        await using (var onSource = await RespConnection.ConnectAsync("127.0.0.1", source.Port, _cluster.Password, default))
        {
            // What a crash between the two SETSLOTs and the MIGRATEs leaves behind.
            await onTarget.ExecuteAsync(default, "CLUSTER", "SETSLOT", $"{slot}", "IMPORTING", source.Id);
            await onSource.ExecuteAsync(default, "CLUSTER", "SETSLOT", $"{slot}", "MIGRATING", target.Id);
        }

        var events = new List<ClusterOperationEvent>();
        using (_cluster.Events.Subscribe(new Observer(events.Add)))
        {
            await _cluster.AddMasterAsync();
        }

        Assert.Contains(events, e => e.Step == "repair");
        state = await _cluster.GetStateAsync();
        var mean = state.Masters.Average(m => m.SlotCount);
        Assert.All(state.Masters, m => Assert.InRange(m.SlotCount, mean * 0.99, mean * 1.01));
        Assert.True(state.Ok);
        await AssertReadableAsync(before);
    }

    [Fact]
    public async Task RemovingAMasterHoldingKeysKeepsEveryKeyReadableAndStopsItsProcess()
    {
        var before = await WriteKeysAsync("before", KeysWrittenBefore);
        var victim = (await _cluster.GetStateAsync()).Masters.First(m => m.Keys > 0);
        var load = new ClusterLoad();
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(_cluster, workers: 4, maxOperationsPerWorker: 50_000, stop.Token);

        var watch = Stopwatch.StartNew();
        await _cluster.RemoveNodeAsync(victim.Id);
        watch.Stop();
        await stop.CancelAsync();
        await running;

        var state = await _cluster.GetStateAsync();
        output.WriteLine($"RemoveNode of a master with {victim.Keys} keys took {watch.ElapsedMilliseconds} ms; {load.Operations} SET+GET pairs during it ({load.Redirects} redirects followed)");
        Assert.DoesNotContain(state.Nodes, n => n.Id == victim.Id);
        Assert.Equal(2, state.Masters.Count());
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.True(state.Ok);
        Assert.Equal(5, state.Nodes.Count);
        Assert.All(state.Replicas, r => Assert.Contains(state.Masters, m => m.Id == r.MasterId));
        Assert.DoesNotContain(Process.GetProcessesByName("redis-server"), p => p.Id == victim.ProcessId);
        Assert.Empty(load.Errors);
        await AssertReadableAsync(before);
        await AssertReadableAsync(load.Written);
    }

    [Fact]
    public async Task RemovingAReplicaStopsItAndLeavesTheSlotsAlone()
    {
        var replica = (await _cluster.GetStateAsync()).Replicas.First();

        await _cluster.RemoveNodeAsync(replica.Id);

        var state = await _cluster.GetStateAsync();
        Assert.DoesNotContain(state.Nodes, n => n.Id == replica.Id);
        Assert.Equal(2, state.Replicas.Count());
        Assert.True(state.Ok);
        Assert.DoesNotContain(replica.Address, _cluster.ConnectionString);
    }

    [Fact]
    public async Task AddingAReplicaGoesToTheMasterWithFewestReplicas()
    {
        var replica = (await _cluster.GetStateAsync()).Replicas.First();
        await _cluster.RemoveNodeAsync(replica.Id);

        var id = await _cluster.AddReplicaAsync();

        var state = await _cluster.GetStateAsync();
        Assert.Equal(replica.MasterId, state.Nodes.Single(n => n.Id == id).MasterId);
        Assert.All(state.Masters, m => Assert.Single(state.Replicas, r => r.MasterId == m.Id));
        Assert.True(state.Ok);
    }

    [Fact]
    public async Task AKilledMasterIsFailedOverAndComesBackAsAReplicaOfTheNewMaster()
    {
        var before = await WriteKeysAsync("before", 1_000);
        await WaitForReplicasToCatchUpAsync();

        var failover = await _cluster.KillMasterAsync();

        output.WriteLine($"Failover: {failover.KilledNodeId[..8]} killed, {failover.PromotedNodeId[..8]} promoted, cluster ok after {failover.Elapsed.TotalMilliseconds:0} ms (cluster-node-timeout {_cluster.Options.NodeTimeout.TotalMilliseconds:0} ms)");
        var state = await _cluster.GetStateAsync();
        Assert.True(state.Ok);
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.Contains(state.Masters, m => m.Id == failover.PromotedNodeId && m.SlotCount > 0);
        Assert.Contains(state.Nodes, n => n.Id == failover.KilledNodeId && n.Failed && n.ProcessId is null);
        await using (var client = await ClusterTestClient.ConnectAsync(_cluster))
        {
            foreach (var (key, _) in before)
            {
                await client.SetAsync(key, "after-failover");
            }
        }

        await _cluster.RestartNodeAsync(failover.KilledNodeId);

        state = await _cluster.GetStateAsync();
        var back = state.Nodes.Single(n => n.Id == failover.KilledNodeId);
        Assert.Equal(ClusterNodeRole.Replica, back.Role);
        Assert.Equal(failover.PromotedNodeId, back.MasterId);
        Assert.False(back.Failed);
        Assert.True(state.Ok);
        await AssertReadableAsync(before.ToDictionary(kv => kv.Key, _ => "after-failover"));
    }

    [Fact]
    public async Task ResetLeavesAnEmptyClusterWithAllSlotsCovered()
    {
        await WriteKeysAsync("before", 1_000);
        await _cluster.AddMasterAsync();

        await _cluster.ResetAsync();

        var state = await _cluster.GetStateAsync();
        Assert.True(state.Ok);
        Assert.Equal(ClusterSlotPlanner.SlotCount, state.SlotsCovered);
        Assert.Equal(3, state.Masters.Count());
        Assert.Equal(3, state.Replicas.Count());
        Assert.All(state.Nodes, n => Assert.Equal(0, n.Keys));
    }

    [Fact]
    public async Task RemovingAnUnknownNodeSaysHowToFindTheIds()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _cluster.RemoveNodeAsync("ffffffffffff"));

        Assert.Contains("GetStateAsync", error.Message);
        Assert.True((await _cluster.GetStateAsync()).Ok);
    }

    private async Task<Dictionary<string, string>> WriteKeysAsync(string prefix, int count)
    {
        var written = new Dictionary<string, string>();
        await using var client = await ClusterTestClient.ConnectAsync(_cluster);
        for (var i = 0; i < count; i++)
        {
            var key = $"{prefix}:{i}";
            await client.SetAsync(key, $"value-{i}");
            written[key] = $"value-{i}";
        }

        return written;
    }

    private async Task AssertReadableAsync(IReadOnlyDictionary<string, string> expected)
    {
        await using var client = await ClusterTestClient.ConnectAsync(_cluster);
        var wrong = new List<string>();
        foreach (var (key, value) in expected)
        {
            var read = await client.GetAsync(key);
            if (read != value)
            {
                wrong.Add($"{key}: expected '{value}', read '{read ?? "(nil)"}'");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {expected.Count} keys lost or wrong, e.g. {string.Join("; ", wrong.Take(5))}");
    }

    private async Task WaitForReplicasToCatchUpAsync()
    {
        // Replication is asynchronous: give the replicas the writes before a master is killed (WAIT would be the client's job).
        await using var client = await ClusterTestClient.ConnectAsync(_cluster);
        foreach (var master in (await _cluster.GetStateAsync()).Masters)
        {
            var key = $"sync:{master.Slots[0].Start}";
            for (var i = 0; ClusterTestClient.KeySlot(key) < master.Slots[0].Start || ClusterTestClient.KeySlot(key) > master.Slots[0].End; i++)
            {
                key = $"sync:{i}";
            }

            await client.ExecuteAsync(key, "SET", key, "1");
            await client.ExecuteAsync(key, "WAIT", "1", "5000");
        }
    }

    private static List<int> RunningRedisServers(IEnumerable<string> endpoints)
    {
        var ports = endpoints.Select(e => e[(e.LastIndexOf(':') + 1)..]).ToHashSet();
        var running = new List<int>();
        foreach (var process in Process.GetProcessesByName("redis-server"))
        {
            var commandLine = File.Exists($"/proc/{process.Id}/cmdline") ? File.ReadAllText($"/proc/{process.Id}/cmdline").Split('\0') : [];
            var portIndex = Array.IndexOf(commandLine, "--port");
            if (portIndex >= 0 && portIndex + 1 < commandLine.Length && ports.Contains(commandLine[portIndex + 1]))
            {
                running.Add(process.Id);
            }
        }

        return running;
    }

    private sealed class Observer(Action<ClusterOperationEvent> onNext) : IObserver<ClusterOperationEvent>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(ClusterOperationEvent value) => onNext(value);
    }
}
