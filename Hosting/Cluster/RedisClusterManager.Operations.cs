using System.Diagnostics;
using System.Globalization;

namespace Hosting.Cluster;

public sealed partial class RedisClusterManager
{
    /// <summary>
    /// Starts a new node, joins it as a master, and moves slots onto it (with their keys, under load) until every
    /// master owns the same number of slots (within one).
    /// </summary>
    /// <returns>The node id of the new master.</returns>
    public Task<string> AddMasterAsync(CancellationToken cancellationToken = default) =>
        RunAsync("AddMaster", async ct =>
        {
            await RepairOpenSlotsAsync("AddMaster", ct).ConfigureAwait(false);
            var id = await StartAndJoinAsync("AddMaster", ct).ConfigureAwait(false);
            await RebalanceAsync("AddMaster", [], ct).ConfigureAwait(false);
            return id;
        }, cancellationToken);

    /// <summary>Starts a new node and makes it a replica of <paramref name="masterId"/>, or of the master with the fewest replicas.</summary>
    /// <returns>The node id of the new replica.</returns>
    public Task<string> AddReplicaAsync(string? masterId = null, CancellationToken cancellationToken = default) =>
        RunAsync("AddReplica", async ct =>
        {
            await RepairOpenSlotsAsync("AddReplica", ct).ConfigureAwait(false);
            var view = await GetViewAsync(ct).ConfigureAwait(false);
            var master = masterId is null ? MasterWithFewestReplicas(view, except: null) : FindNode(view, masterId);
            if (!master.IsMaster || master.IsFailed)
            {
                throw new ArgumentException($"Node '{masterId}' is not a running master; pick a master id from GetStateAsync().", nameof(masterId));
            }

            var id = await StartAndJoinAsync("AddReplica", ct).ConfigureAwait(false);
            var port = PortOf(await GetViewAsync(ct).ConfigureAwait(false), id);
            Report("AddReplica", "replicate", $"{id[..8]} replicates {master.Id[..8]} ({Address(master.Port)})");
            await ExecuteAsync(port, ct, "CLUSTER", "REPLICATE", master.Id).ConfigureAwait(false);
            await WaitForAgreementAsync(v => v.Any(n => n.Id == id && n.MasterId == master.Id), "the replica follows its master", ct).ConfigureAwait(false);
            await WaitForReplicationLinkAsync(port, ct).ConfigureAwait(false);
            return id;
        }, cancellationToken);

    /// <summary>
    /// Removes a node. A master first hands all its slots and keys to the other masters (spread evenly), and its
    /// replicas follow other masters; then every node forgets it and its process is stopped.
    /// </summary>
    public Task RemoveNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        return RunAsync("RemoveNode", async ct =>
        {
            await RepairOpenSlotsAsync("RemoveNode", ct).ConfigureAwait(false);
            var view = await GetViewAsync(ct).ConfigureAwait(false);
            var node = FindNode(view, nodeId);
            if (node.IsMaster)
            {
                var others = view.Where(n => n.IsMaster && !n.IsFailed && n.Id != node.Id).ToList();
                if (others.Count == 0)
                {
                    throw new InvalidOperationException("The last master cannot be removed; use ResetAsync to start over.");
                }

                if (node.SlotCount > 0)
                {
                    await RebalanceAsync("RemoveNode", [node.Id], ct).ConfigureAwait(false);
                    view = await GetViewAsync(ct).ConfigureAwait(false);
                }

                foreach (var replica in view.Where(n => n.MasterId == node.Id && !n.IsFailed))
                {
                    var target = MasterWithFewestReplicas(view, except: node.Id);
                    Report("RemoveNode", "repoint", $"replica {replica.Id[..8]} now follows {target.Id[..8]}");
                    await ExecuteAsync(replica.Port, ct, "CLUSTER", "REPLICATE", target.Id).ConfigureAwait(false);
                    view = await WaitForAgreementAsync(v => v.Any(n => n.Id == replica.Id && n.MasterId == target.Id), "the replica follows its new master", ct).ConfigureAwait(false);
                }
            }

            await ForgetAndStopAsync(node, ct).ConfigureAwait(false);
            await WaitForAgreementAsync(v => v.All(n => n.Id != node.Id), "the node is forgotten", ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Kills a master with SIGKILL (<paramref name="nodeId"/>, or the first master that has a replica) and waits
    /// until one of its replicas was promoted and every running node says <c>cluster_state:ok</c> again.
    /// </summary>
    public Task<FailoverResult> KillMasterAsync(string? nodeId = null, CancellationToken cancellationToken = default) =>
        RunAsync("KillMaster", async ct =>
        {
            var view = await GetViewAsync(ct).ConfigureAwait(false);
            var master = nodeId is null
                ? view.Where(n => n.IsMaster && !n.IsFailed && n.SlotCount > 0 && view.Any(r => r.MasterId == n.Id && !r.IsFailed))
                    .OrderBy(n => n.Slots[0].Start)
                    .FirstOrDefault() ?? throw new InvalidOperationException("No master with slots has a running replica to fail over to; add a replica first (AddReplicaAsync).")
                : FindNode(view, nodeId);
            if (!master.IsMaster || master.IsFailed)
            {
                throw new ArgumentException($"Node '{nodeId}' is not a running master; pick a master id from GetStateAsync().", nameof(nodeId));
            }

            var replicas = view.Where(r => r.MasterId == master.Id && !r.IsFailed).Select(r => r.Id).ToHashSet();
            if (replicas.Count == 0)
            {
                throw new InvalidOperationException($"Master {master.Id[..8]} has no replica, so killing it would leave its slots without an owner; add a replica first (AddReplicaAsync).");
            }

            // A replica that never finished syncing cannot be promoted; do not kill before one has.
            await WaitForReplicationLinkAsync(view.First(r => replicas.Contains(r.Id)).Port, ct).ConfigureAwait(false);
            ClusterNodeProcess process;
            lock (_lock)
            {
                process = _nodes[master.Port];
            }

            Report("KillMaster", "kill", $"SIGKILL master {master.Id[..8]} ({Address(master.Port)}, pid {process.ProcessId}) holding {master.SlotCount} slots");
            var watch = Stopwatch.StartNew();
            await process.KillAsync().ConfigureAwait(false);
            DropConnection(master.Port);

            Report("KillMaster", "wait", $"waiting for a replica to be promoted (cluster-node-timeout {_options.NodeTimeout.TotalMilliseconds:0} ms)");
            var settled = await WaitForAgreementAsync(
                v => v.Any(n => replicas.Contains(n.Id) && n.IsMaster && n.SlotCount == master.SlotCount),
                "a replica took over the slots",
                ct).ConfigureAwait(false);
            watch.Stop();
            var promoted = settled.First(n => replicas.Contains(n.Id) && n.IsMaster);
            Report("KillMaster", "promoted", $"replica {promoted.Id[..8]} ({Address(promoted.Port)}) is master; cluster ok after {watch.Elapsed.TotalMilliseconds:0} ms");
            return new FailoverResult(master.Id, promoted.Id, watch.Elapsed);
        }, cancellationToken);

    /// <summary>
    /// Starts a stopped (killed) node again with its node file; a former master whose slots were taken over comes
    /// back as a replica of the new master.
    /// </summary>
    public Task RestartNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        return RunAsync("RestartNode", async ct =>
        {
            var view = await GetViewAsync(ct).ConfigureAwait(false);
            var node = FindNode(view, nodeId);
            lock (_lock)
            {
                if (!_nodes.TryGetValue(node.Port, out var process))
                {
                    throw new InvalidOperationException($"Node {nodeId} was not started by this manager.");
                }

                if (process.IsRunning)
                {
                    throw new InvalidOperationException($"Node {nodeId} ({Address(node.Port)}) is running; only a stopped or killed node can be restarted.");
                }
            }

            Report("RestartNode", "start", $"starting {Address(node.Port)} again with its node file");
            await StartNodeAsync(node.Port, ct).ConfigureAwait(false);

            // It rejoins from nodes-<port>.conf; seeing a higher config epoch for its old slots, it turns replica.
            var settled = await WaitForAgreementAsync(v => v.Any(n => n.Id == nodeId && !n.IsFailed), "the node is back", ct).ConfigureAwait(false);
            var back = settled.First(n => n.Id == nodeId);
            if (back.IsMaster && back.SlotCount == 0)
            {
                var target = MasterWithFewestReplicas(settled, except: nodeId);
                Report("RestartNode", "replicate", $"{nodeId[..8]} came back without slots; it now follows {target.Id[..8]}");
                await ExecuteAsync(node.Port, ct, "CLUSTER", "REPLICATE", target.Id).ConfigureAwait(false);
                settled = await WaitForAgreementAsync(v => v.Any(n => n.Id == nodeId && n.MasterId == target.Id), "the node follows a master", ct).ConfigureAwait(false);
                back = settled.First(n => n.Id == nodeId);
            }

            if (!back.IsMaster)
            {
                await WaitForReplicationLinkAsync(node.Port, ct).ConfigureAwait(false);
                Report("RestartNode", "replica", $"{nodeId[..8]} is a replica of {back.MasterId?[..8]}");
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>Stops every node, deletes their files, and creates an empty cluster again on the original ports.</summary>
    public Task ResetAsync(CancellationToken cancellationToken = default) =>
        RunAsync("Reset", async ct =>
        {
            Report("Reset", "stop", "stopping every node");
            await StopAllAsync().ConfigureAwait(false);
            await CreateClusterAsync("Reset", ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private async Task<string> StartAndJoinAsync(string operation, CancellationToken cancellationToken)
    {
        var view = await GetViewAsync(cancellationToken).ConfigureAwait(false);
        var anchor = view.First(n => !n.IsFailed && RunningPorts().Contains(n.Port));
        var port = ClusterPorts.Next();
        Report(operation, "start-node", $"starting redis-server on {Address(port)}");
        await StartNodeAsync(port, cancellationToken).ConfigureAwait(false);
        var id = (string)(await ExecuteAsync(port, cancellationToken, "CLUSTER", "MYID").ConfigureAwait(false))!;
        Report(operation, "join", $"CLUSTER MEET: {id[..8]} ({Address(port)}) joins through {Address(anchor.Port)}");
        await ExecuteAsync(port, cancellationToken, "CLUSTER", "MEET", "127.0.0.1",
            anchor.Port.ToString(CultureInfo.InvariantCulture), anchor.BusPort.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        await WaitForAgreementAsync(v => v.Any(n => n.Id == id), "every node knows the new node", cancellationToken).ConfigureAwait(false);
        return id;
    }

    private async Task ForgetAndStopAsync(ClusterNodeLine node, CancellationToken cancellationToken)
    {
        ClusterNodeProcess? process;
        lock (_lock)
        {
            _nodes.TryGetValue(node.Port, out process);
        }

        // Forget everywhere first, then stop it at once: the 60 s forget ban outlasts the stop, so gossip from a
        // node that has not heard yet cannot bring it back.
        Report("RemoveNode", "forget", $"CLUSTER FORGET {node.Id[..8]} on every other node");
        foreach (var port in RunningPorts().Where(p => p != node.Port))
        {
            var reply = await ForgetOnAsync(port, node.Id, cancellationToken).ConfigureAwait(false);
            if (reply is RespError error && !error.Message.Contains("Unknown node", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"CLUSTER FORGET on {Address(port)} failed: {error.Message}");
            }
        }

        Report("RemoveNode", "stop", $"stopping {Address(node.Port)} (SIGTERM, SIGKILL after 5 s)");
        DropConnection(node.Port);
        if (process is not null)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            lock (_lock)
            {
                _nodes.Remove(node.Port);
            }
        }
    }

    private async Task<object?> ForgetOnAsync(int port, string id, CancellationToken cancellationToken)
    {
        var connection = await GetConnectionAsync(port, cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteRawAsync(cancellationToken, "CLUSTER", "FORGET", id).ConfigureAwait(false);
    }

    private async Task WaitForReplicationLinkAsync(int port, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var info = (string?)await ExecuteAsync(port, cancellationToken, "INFO", "replication").ConfigureAwait(false);
            if (ReadInfo(info, "master_link_status") == "up")
            {
                return;
            }

            if (watch.Elapsed > _options.OperationTimeout)
            {
                throw new TimeoutException($"The replica on {Address(port)} did not finish syncing with its master within {_options.OperationTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ClusterNodeLine FindNode(IReadOnlyList<ClusterNodeLine> view, string nodeId)
    {
        var matches = view.Where(n => n.Id.StartsWith(nodeId, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ArgumentException($"No node '{nodeId}' in the cluster; GetStateAsync() lists the node ids.", nameof(nodeId)),
            _ => throw new ArgumentException($"'{nodeId}' matches {matches.Count} nodes; give more characters of the node id.", nameof(nodeId)),
        };
    }

    private static ClusterNodeLine MasterWithFewestReplicas(IReadOnlyList<ClusterNodeLine> view, string? except) =>
        view.Where(n => n.IsMaster && !n.IsFailed && n.Id != except)
            .OrderBy(m => view.Count(r => r.MasterId == m.Id && !r.IsFailed))
            .ThenByDescending(m => m.SlotCount)
            .FirstOrDefault() ?? throw new InvalidOperationException("The cluster has no running master.");

    private static int PortOf(IReadOnlyList<ClusterNodeLine> view, string id) => view.First(n => n.Id == id).Port;
}
