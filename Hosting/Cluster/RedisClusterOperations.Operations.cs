using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Aspire.Hosting.ApplicationModel;

public sealed partial class RedisClusterOperations
{
    /// <summary>StackExchange.Redis' default configuration channel (ConfigurationOptions.ConfigurationChannel).</summary>
    private const string ClientConfigurationChannel = "__Booksleeve_MasterChanged";
    private static readonly HashSet<string> s_housekeepingCommands =
        ["ping", "echo", "info", "cluster", "client", "config", "command", "hello", "auth", "select", "readonly", "readwrite", "role", "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "time"];

    /// <summary>
    /// Starts a spare node, joins it as a master, and moves slots onto it (with their keys, under load) until every
    /// master owns the same number of slots (within one).
    /// </summary>
    /// <returns>The node id of the new master.</returns>
    public Task<string> AddMasterAsync(string clusterName, CancellationToken cancellationToken = default)
    {
        var runtime = Runtime(clusterName);
        return RunAsync(runtime, "AddMaster", async ct =>
        {
            await RepairOpenSlotsAsync(runtime, "AddMaster", ct).ConfigureAwait(false);
            var id = await StartAndJoinAsync(runtime, "AddMaster", ct).ConfigureAwait(false);
            await RebalanceAsync(runtime, "AddMaster", [], ct).ConfigureAwait(false);
            return id;
        }, cancellationToken);
    }

    /// <summary>Starts a spare node and makes it a replica of <paramref name="masterId"/>, or of the master with the fewest replicas.</summary>
    /// <returns>The node id of the new replica.</returns>
    public Task<string> AddReplicaAsync(string clusterName, string? masterId = null, CancellationToken cancellationToken = default)
    {
        var runtime = Runtime(clusterName);
        return RunAsync(runtime, "AddReplica", async ct =>
        {
            await RepairOpenSlotsAsync(runtime, "AddReplica", ct).ConfigureAwait(false);
            var view = await GetViewAsync(runtime, ct).ConfigureAwait(false);
            var master = string.IsNullOrEmpty(masterId) ? MasterWithFewestReplicas(view, except: null) : FindNode(runtime, view, masterId);
            if (!master.IsMaster || master.IsFailed)
            {
                throw new ArgumentException($"Node '{masterId}' is not a running master; pick a master id from the cluster's state.", nameof(masterId));
            }

            return await JoinSpareAsReplicaAsync(runtime, "AddReplica", master, ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    private async Task<string> JoinSpareAsReplicaAsync(RedisClusterRuntime runtime, string operation, ClusterNodeLine master, CancellationToken cancellationToken)
    {
        var id = await StartAndJoinAsync(runtime, operation, cancellationToken).ConfigureAwait(false);
        var port = PortOf(await GetViewAsync(runtime, cancellationToken).ConfigureAwait(false), id);
        Report(runtime, operation, "replicate", $"{id[..8]} replicates {master.Id[..8]} ({Address(master.Port)})");
        await ExecuteAsync(runtime, port, cancellationToken, "CLUSTER", "REPLICATE", master.Id).ConfigureAwait(false);
        await WaitForAgreementAsync(runtime, v => v.Any(n => n.Id == id && n.MasterId == master.Id), "the replica follows its master", cancellationToken).ConfigureAwait(false);
        await WaitForReplicationLinkAsync(runtime, port, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// Removes a node. A master first hands all its slots and keys to the other masters (spread evenly), and its
    /// replicas follow other masters; then every node forgets it and DCP stops it. Its node resource becomes a
    /// spare again.
    /// </summary>
    /// <param name="clusterName">The cluster.</param>
    /// <param name="nodeId">A node id (or a unique prefix), its <c>127.0.0.1:port</c>, or its resource name.</param>
    /// <param name="cancellationToken">Stops waiting; slots left half-moved are finished by the next operation.</param>
    public Task RemoveNodeAsync(string clusterName, string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        var runtime = Runtime(clusterName);
        return RunAsync(runtime, "RemoveNode", async ct =>
        {
            await RepairOpenSlotsAsync(runtime, "RemoveNode", ct).ConfigureAwait(false);
            var view = await GetViewAsync(runtime, ct).ConfigureAwait(false);
            var node = FindNode(runtime, view, nodeId);
            if (node.IsMaster && !node.IsFailed)
            {
                var others = view.Where(n => n.IsMaster && !n.IsFailed && n.Id != node.Id).ToList();
                if (others.Count == 0)
                {
                    throw new InvalidOperationException("The last master cannot be removed; reset the cluster to start over.");
                }

                if (node.SlotCount > 0)
                {
                    await RebalanceAsync(runtime, "RemoveNode", [node.Id], ct).ConfigureAwait(false);
                    view = await GetViewAsync(runtime, ct).ConfigureAwait(false);
                }

                foreach (var replica in view.Where(n => n.MasterId == node.Id && !n.IsFailed))
                {
                    var target = MasterWithFewestReplicas(view, except: node.Id);
                    Report(runtime, "RemoveNode", "repoint", $"replica {replica.Id[..8]} now follows {target.Id[..8]}");
                    await ExecuteAsync(runtime, replica.Port, ct, "CLUSTER", "REPLICATE", target.Id).ConfigureAwait(false);
                    view = await WaitForAgreementAsync(runtime, v => v.Any(n => n.Id == replica.Id && n.MasterId == target.Id), "the replica follows its new master", ct).ConfigureAwait(false);
                }
            }

            await ForgetAndStopAsync(runtime, node, ct).ConfigureAwait(false);
            await WaitForAgreementAsync(runtime, v => v.All(n => n.Id != node.Id), "the node is forgotten", ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Kills a master with SIGKILL (<paramref name="nodeId"/>, or the first master that has a replica) and waits
    /// until one of its replicas was promoted and every running node says <c>cluster_state:ok</c> again. With
    /// self-healing on, healing follows on its own: the node comes back as a replica of the promoted one.
    /// </summary>
    public Task<FailoverResult> KillMasterAsync(string clusterName, string? nodeId = null, CancellationToken cancellationToken = default) =>
        KillMasterAsync(clusterName, nodeId, KillMasterFault.None, cancellationToken);

    /// <summary>
    /// Fault injection: kills a master as <see cref="KillMasterAsync(string, string?, CancellationToken)"/> does, and
    /// with <see cref="KillMasterFault.RestartFails"/> also corrupts its node file so that it cannot be restarted
    /// (self-healing then puts a spare node in its place).
    /// </summary>
    public Task<FailoverResult> KillMasterAsync(string clusterName, string? nodeId, KillMasterFault fault, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(fault))
        {
            throw new ArgumentOutOfRangeException(nameof(fault), fault, "Not a KillMasterFault: use None or RestartFails.");
        }

        var runtime = Runtime(clusterName);
        return RunAsync(runtime, "KillMaster", async ct =>
        {
            var view = await GetViewAsync(runtime, ct).ConfigureAwait(false);
            var master = string.IsNullOrEmpty(nodeId)
                ? view.Where(n => n.IsMaster && !n.IsFailed && n.SlotCount > 0 && view.Any(r => r.MasterId == n.Id && !r.IsFailed))
                    .OrderBy(n => n.Slots[0].Start)
                    .FirstOrDefault() ?? throw new InvalidOperationException("No master with slots has a running replica to fail over to; add a replica first.")
                : FindNode(runtime, view, nodeId);
            if (!master.IsMaster || master.IsFailed)
            {
                throw new ArgumentException($"Node '{nodeId}' is not a running master; pick a master id from the cluster's state.", nameof(nodeId));
            }

            var replicas = view.Where(r => r.MasterId == master.Id && !r.IsFailed).Select(r => r.Id).ToHashSet();
            if (replicas.Count == 0)
            {
                throw new InvalidOperationException($"Master {master.Id[..8]} has no replica, so killing it would leave its slots without an owner; add a replica first.");
            }

            // A replica that never finished syncing cannot be promoted; do not kill before one has.
            await WaitForReplicationLinkAsync(runtime, view.First(r => replicas.Contains(r.Id)).Port, ct).ConfigureAwait(false);
            var info = (string?)await ExecuteAsync(runtime, master.Port, ct, "INFO", "server").ConfigureAwait(false);
            var pid = int.Parse(ReadInfo(info, "process_id") ?? throw new InvalidOperationException($"{Address(master.Port)} did not say its process_id."), CultureInfo.InvariantCulture);
            var node = NodeOf(runtime, master.Port);

            Report(runtime, "KillMaster", "kill", $"SIGKILL master {master.Id[..8]} ({node.Name}, {Address(master.Port)}, pid {pid}) holding {master.SlotCount} slots");
            var watch = Stopwatch.StartNew();

            // SIGKILL, not DCP's stop: a crash gives the node no chance to hand anything over, which is the point.
            using (var process = Process.GetProcessById(pid))
            {
                process.Kill();
            }

            DropConnection(runtime, master.Port);
            await WaitForNodeEndedAsync(runtime, node, ct).ConfigureAwait(false);
            if (fault == KillMasterFault.RestartFails)
            {
                // Written once the process is gone (a live node rewrites its file on every change): redis-server
                // refuses to start on it, as it would on a file a failing disk corrupted.
                await File.WriteAllTextAsync(Path.Combine(node.Folder, "nodes.conf"), "fault injected by KillMaster(RestartFails): this node file is unreadable\n", ct).ConfigureAwait(false);
                Report(runtime, "KillMaster", "fault", $"fault injection: {node.Name}'s node file is corrupted, so it cannot be restarted");
            }

            Report(runtime, "KillMaster", "wait", $"waiting for a replica to be promoted (cluster-node-timeout {runtime.Resource.NodeTimeout.TotalMilliseconds:0} ms)");
            var settled = await WaitForAgreementAsync(
                runtime,
                v => v.Any(n => replicas.Contains(n.Id) && n.IsMaster && n.SlotCount == master.SlotCount),
                "a replica took over the slots",
                ct).ConfigureAwait(false);
            watch.Stop();
            var promoted = settled.First(n => replicas.Contains(n.Id) && n.IsMaster);
            Report(runtime, "KillMaster", "promoted", $"replica {promoted.Id[..8]} ({Address(promoted.Port)}) is master; cluster ok after {watch.Elapsed.TotalMilliseconds:0} ms" +
                (runtime.Resource.SelfHealing ? "; self-healing follows" : "; self-healing is off: restart the node with Restart node"));
            return new FailoverResult(master.Id, promoted.Id, watch.Elapsed);
        }, cancellationToken);
    }

    /// <summary>
    /// Starts a stopped (killed) node again with its node file; a former master whose slots were taken over comes
    /// back as a replica of the new master.
    /// </summary>
    public Task RestartNodeAsync(string clusterName, string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        var runtime = Runtime(clusterName);
        return RunAsync(runtime, "RestartNode", async ct =>
        {
            var view = await GetViewAsync(runtime, ct).ConfigureAwait(false);
            var line = FindNode(runtime, view, nodeId);
            var node = NodeOf(runtime, line.Port);
            if (IsRunning(node))
            {
                throw new InvalidOperationException($"Node {line.Id[..8]} ({node.Name}, {node.Address}) is running; only a stopped or killed node can be restarted.");
            }

            await RejoinAsync(runtime, "RestartNode", node, line.Id, ct, runtime.Resource.OperationTimeout).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Starts a node with its node file and waits until it is a member again (a returning master without slots: a replica).</summary>
    private async Task RejoinAsync(RedisClusterRuntime runtime, string operation, RedisClusterNodeResource node, string id, CancellationToken cancellationToken, TimeSpan timeout)
    {
        Report(runtime, operation, "start", $"starting {node.Name} ({node.Address}) again with its node file");
        IReadOnlyList<ClusterNodeLine> settled;

        // The bound covers the start and the return to the cluster, not the first sync of a replica, which takes as
        // long as its master's data set needs.
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            bound.CancelAfter(timeout);
            await StartNodeAsync(runtime, node, bound.Token).ConfigureAwait(false);

            // It rejoins from nodes.conf; seeing a higher config epoch for its old slots, it turns replica.
            settled = await WaitForAgreementAsync(runtime, v => v.Any(n => n.Id == id && !n.IsFailed), "the node is back", bound.Token, timeout: timeout).ConfigureAwait(false);
        }

        var back = settled.First(n => n.Id == id);
        if (back.IsMaster && back.SlotCount == 0)
        {
            var target = MasterWithFewestReplicas(settled, except: id);
            Report(runtime, operation, "replicate", $"{id[..8]} came back without slots; it now follows {target.Id[..8]}");
            await ExecuteAsync(runtime, node.Port, cancellationToken, "CLUSTER", "REPLICATE", target.Id).ConfigureAwait(false);
            settled = await WaitForAgreementAsync(runtime, v => v.Any(n => n.Id == id && n.MasterId == target.Id), "the node follows a master", cancellationToken).ConfigureAwait(false);
            back = settled.First(n => n.Id == id);
        }

        if (!back.IsMaster)
        {
            await WaitForReplicationLinkAsync(runtime, node.Port, cancellationToken).ConfigureAwait(false);
            Report(runtime, operation, "replica", $"{id[..8]} ({node.Name}) is a replica of {back.MasterId?[..8]}");
        }
        else
        {
            Report(runtime, operation, "master", $"{id[..8]} ({node.Name}) is back as the master of its {back.SlotCount} slots");
        }
    }

    /// <summary>Stops every node, deletes their node files, and creates an empty cluster again on the initial nodes (same ports).</summary>
    public Task ResetAsync(string clusterName, CancellationToken cancellationToken = default)
    {
        var runtime = Runtime(clusterName);
        return RunAsync(runtime, "Reset", async ct =>
        {
            await PublishStateAsync(runtime, KnownResourceStates.Starting).ConfigureAwait(false);
            try
            {
                Report(runtime, "Reset", "stop", "stopping every node");
                await Task.WhenAll(runtime.Resource.Nodes.Select(n => StopNodeAsync(runtime, n, ct))).ConfigureAwait(false);
                await CreateClusterAsync(runtime, "Reset", ct).ConfigureAwait(false);
            }
            catch
            {
                await PublishStateAsync(runtime, KnownResourceStates.FailedToStart).ConfigureAwait(false);
                throw;
            }

            await PublishStateAsync(runtime, KnownResourceStates.Running).ConfigureAwait(false);
            return true;
        }, cancellationToken, requireRunning: false);
    }

    private async Task<string> StartAndJoinAsync(RedisClusterRuntime runtime, string operation, CancellationToken cancellationToken)
    {
        var view = await GetViewAsync(runtime, cancellationToken).ConfigureAwait(false);
        var spare = FindSpare(runtime, view)
            ?? throw new InvalidOperationException(
                $"Every node of '{runtime.Resource.Name}' is in use: the app model declares {runtime.Resource.InitialNodeCount} initial + " +
                $"{runtime.Resource.Nodes.Count - runtime.Resource.InitialNodeCount} spare nodes (AddRedisCluster(spareNodes: …)), and resources cannot be added while the app runs. Remove a node first.");
        var anchor = view.First(n => !n.IsFailed && IsRunning(runtime, n.Port));

        // A spare may have been a member before (removed since): a fresh identity, or it would try to rejoin as itself.
        DeleteNodeFiles(spare);
        Report(runtime, operation, "start-node", $"starting spare node {spare.Name} ({spare.Address})");
        await StartNodeAsync(runtime, spare, cancellationToken).ConfigureAwait(false);
        var id = (string)(await ExecuteAsync(runtime, spare.Port, cancellationToken, "CLUSTER", "MYID").ConfigureAwait(false))!;
        Report(runtime, operation, "join", $"CLUSTER MEET: {id[..8]} ({spare.Address}) joins through {Address(anchor.Port)}");
        await ExecuteAsync(runtime, spare.Port, cancellationToken, "CLUSTER", "MEET", "127.0.0.1",
            anchor.Port.ToString(CultureInfo.InvariantCulture), anchor.BusPort.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        var joined = await WaitForAgreementAsync(runtime, v => v.Any(n => n.Id == id), "every node knows the new node", cancellationToken).ConfigureAwait(false);
        await AnnounceToClientsAsync(runtime, operation, spare, joined, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// Gets the clients connected to the new node before any slot moves to it. StackExchange.Redis fails a command
    /// redirected (MOVED/ASK) to a node it has no connection to yet, and it learns of new nodes only when it reloads
    /// the topology. Every StackExchange.Redis client subscribes to a configuration channel and reloads the topology
    /// when a message arrives on it; in a cluster a PUBLISH reaches every node's subscribers. So: publish there, then
    /// wait until the new node has as many client connections as the existing masters (bounded: a client of
    /// another library does not listen, and must not block the operation).
    /// </summary>
    private async Task AnnounceToClientsAsync(
        RedisClusterRuntime runtime, string operation, RedisClusterNodeResource node, IReadOnlyList<ClusterNodeLine> view, CancellationToken cancellationToken)
    {
        var masters = view.Where(n => n.IsMaster && !n.IsFailed && n.Port != node.Port && IsRunning(runtime, n.Port)).ToList();
        var expected = int.MaxValue;
        foreach (var master in masters)
        {
            expected = Math.Min(expected, await ClientConnectionsAsync(runtime, master.Port, cancellationToken).ConfigureAwait(false));
        }

        if (masters.Count == 0 || expected == 0)
        {
            return;
        }

        Report(runtime, operation, "announce", $"PUBLISH {ClientConfigurationChannel}: clients reload the topology; waiting for their {expected} connection(s) on {node.Name}");
        await ExecuteAsync(runtime, masters[0].Port, cancellationToken, "PUBLISH", ClientConfigurationChannel, string.Empty).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (await ClientConnectionsAsync(runtime, node.Port, cancellationToken).ConfigureAwait(false) >= expected)
            {
                Report(runtime, operation, "announce", $"clients connected to {node.Name} in {watch.Elapsed.TotalMilliseconds:0} ms");
                return;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        Report(runtime, operation, "announce", $"not every client connected to {node.Name} within 5 s; moving on");
    }

    /// <summary>Connections of clients (not replicas, not pub/sub, not this class's own) to a node.</summary>
    private async Task<int> ClientConnectionsAsync(RedisClusterRuntime runtime, int port, CancellationToken cancellationToken)
    {
        var list = (string?)await ExecuteAsync(runtime, port, cancellationToken, "CLIENT", "LIST", "TYPE", "normal").ConfigureAwait(false);
        return (list ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Count(line => !line.Contains($" name={OperationsClientName} ", StringComparison.Ordinal));
    }

    private async Task ForgetAndStopAsync(RedisClusterRuntime runtime, ClusterNodeLine line, CancellationToken cancellationToken)
    {
        var node = NodeOf(runtime, line.Port);

        // Forget everywhere first, then stop it at once: the 60 s forget ban outlasts the stop, so gossip from a
        // node that has not heard yet cannot bring it back.
        Report(runtime, "RemoveNode", "forget", $"CLUSTER FORGET {line.Id[..8]} on every other node");
        foreach (var port in RunningPorts(runtime).Where(p => p != line.Port))
        {
            try
            {
                await ExecuteAsync(runtime, port, cancellationToken, "CLUSTER", "FORGET", line.Id).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.Contains("Unknown node", StringComparison.OrdinalIgnoreCase))
            {
                // It never heard of the node: nothing to forget.
            }
        }

        if (IsRunning(node))
        {
            await DrainAsync(runtime, node, cancellationToken).ConfigureAwait(false);
        }

        Report(runtime, "RemoveNode", "stop", $"stopping {node.Name} ({node.Address}); it is a spare again");
        await StopNodeAsync(runtime, node, cancellationToken).ConfigureAwait(false);
        DeleteNodeFiles(node);
    }

    /// <summary>
    /// Waits until clients stop sending commands to a node that owns no slot any more, so that stopping it fails no
    /// request in flight. A client such as StackExchange.Redis learns a moved slot from the first MOVED it gets for
    /// it, so right after a rebalance it still sends many commands to the old owner (which answers MOVED); stopped
    /// then, every command on its connection fails. Quiet means: in one 500 ms window the node redirected no client command.
    /// Bounded (10 s): a client that never learns must not block the removal.
    /// </summary>
    private async Task DrainAsync(RedisClusterRuntime runtime, RedisClusterNodeResource node, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var last = await RedirectedCommandsAsync(runtime, node.Port, cancellationToken).ConfigureAwait(false);
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            var now = await RedirectedCommandsAsync(runtime, node.Port, cancellationToken).ConfigureAwait(false);
            if (now == last)
            {
                Report(runtime, "RemoveNode", "drain", $"no client sends to {node.Name} any more ({watch.Elapsed.TotalSeconds:0.0} s)");
                return;
            }

            last = now;
        }

        Report(runtime, "RemoveNode", "drain", $"clients still send to {node.Name} after {watch.Elapsed.TotalSeconds:0} s; stopping it anyway");
    }

    /// <summary>
    /// Client commands this slotless node answered with a redirect (<c>rejected_calls</c>: MOVED), heartbeats and
    /// topology queries left out. Calls would not do: as a replica it also executes its master's writes.
    /// </summary>
    private async Task<long> RedirectedCommandsAsync(RedisClusterRuntime runtime, int port, CancellationToken cancellationToken)
    {
        var info = (string?)await ExecuteAsync(runtime, port, cancellationToken, "INFO", "commandstats").ConfigureAwait(false);
        long total = 0;
        foreach (var line in (info ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries))
        {
            // cmdstat_get:calls=12,usec=...   cmdstat_cluster|nodes:calls=3,...
            var colon = line.IndexOf(":calls=", StringComparison.Ordinal);
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal) || colon < 0)
            {
                continue;
            }

            var command = line["cmdstat_".Length..colon].Split('|')[0];
            if (s_housekeepingCommands.Contains(command))
            {
                continue;
            }

            var rejected = line.IndexOf("rejected_calls=", StringComparison.Ordinal);
            if (rejected >= 0)
            {
                var value = line[(rejected + "rejected_calls=".Length)..];
                var comma = value.IndexOf(',', StringComparison.Ordinal);
                total += long.Parse(comma < 0 ? value : value[..comma], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    private async Task WaitForReplicationLinkAsync(RedisClusterRuntime runtime, int port, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var info = (string?)await ExecuteAsync(runtime, port, cancellationToken, "INFO", "replication").ConfigureAwait(false);
            if (ReadInfo(info, "master_link_status") == "up")
            {
                return;
            }

            if (watch.Elapsed > runtime.Resource.OperationTimeout)
            {
                throw new TimeoutException($"The replica on {Address(port)} did not finish syncing with its master within {runtime.Resource.OperationTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A node resource that is no member of the cluster, not running, and not set aside by self-healing.</summary>
    private RedisClusterNodeResource? FindSpare(RedisClusterRuntime runtime, IReadOnlyList<ClusterNodeLine> view)
    {
        var known = view.Select(n => n.Port).ToHashSet();
        lock (runtime.Lock)
        {
            return runtime.Resource.Nodes.FirstOrDefault(n => !known.Contains(n.Port) && !IsRunning(n) && !runtime.SetAside.Contains(n.Name));
        }
    }

    private static RedisClusterNodeResource NodeOf(RedisClusterRuntime runtime, int port) =>
        runtime.Resource.Nodes.FirstOrDefault(n => n.Port == port)
            ?? throw new InvalidOperationException($"The cluster has a node on {Address(port)} that is not one of '{runtime.Resource.Name}''s node resources; reset the cluster.");

    /// <summary>Finds a node by id (or unique prefix), by <c>127.0.0.1:port</c>, or by its resource name (<c>cache-cluster-3</c>).</summary>
    private static ClusterNodeLine FindNode(RedisClusterRuntime runtime, IReadOnlyList<ClusterNodeLine> view, string nodeId)
    {
        var byResource = runtime.Resource.Nodes.FirstOrDefault(n => n.Name == nodeId || n.Address == nodeId);
        var matches = byResource is not null
            ? view.Where(n => n.Port == byResource.Port).ToList()
            : view.Where(n => n.Id.StartsWith(nodeId, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new KeyNotFoundException($"No node '{nodeId}' in the cluster '{runtime.Resource.Name}'; its state (GetStateAsync, GET /api/clusters/{runtime.Resource.Name}) lists the node ids."),
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
