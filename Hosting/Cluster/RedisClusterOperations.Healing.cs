using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Self-healing: DCP runs the nodes and says when one ends; a node that ends while nobody asked it to stop is
/// brought back through the same start path the operations use. No second supervisor: the watch of
/// <see cref="ResourceNotificationService"/> that tracks the nodes' states is the only trigger.
/// </summary>
public sealed partial class RedisClusterOperations
{
    private const string HealOperation = "Heal";

    /// <summary>The heal running or queued per node, so that one death is healed once.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task> _heals = new(StringComparer.Ordinal);

    /// <summary>
    /// Called by the watch for every state of a node, in order. A death is Running → an ended state with no
    /// <c>Stopping</c> between: DCP's stop (an operation's stop, a Reset, the dashboard's Stop or Restart of the node)
    /// goes through <c>Stopping</c>; a SIGKILL, a crash or the OOM killer does not.
    /// </summary>
    private void OnNodeState(RedisClusterNodeResource node, string? previous, string state, int? exitCode)
    {
        if (previous != KnownResourceStates.Running || !IsTerminal(state)
            || _startingNodes.ContainsKey(node.Name)
            || _disposing.IsCancellationRequested || IsAppStopping()
            || !_runtimes.TryGetValue(node.Parent.Name, out var runtime)
            || runtime.State != KnownResourceStates.Running)
        {
            // Not a death, or one that is someone else's business: a start in progress fails by itself, and a
            // cluster being created or reset (or the app stopping) owns its nodes.
            return;
        }

        var how = $"{node.Name} ({node.Address}) ended ({state}, exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}) without a stop request";
        if (!runtime.Resource.SelfHealing)
        {
            Report(runtime, HealOperation, "off", $"{how}; self-healing is off: it stays down until Restart node (or Remove node)");
            return;
        }

        if (_heals.TryGetValue(node.Name, out var pending) && !pending.IsCompleted)
        {
            return;
        }

        Report(runtime, HealOperation, "detected", $"{how}; healing it");
        var sinceDeath = Stopwatch.StartNew();
        _heals[node.Name] = Task.Run(() => HealAsync(runtime, node, sinceDeath));
    }

    private bool IsAppStopping() =>
        _services.GetService(typeof(IHostApplicationLifetime)) is IHostApplicationLifetime lifetime && lifetime.ApplicationStopping.IsCancellationRequested;

    private async Task HealAsync(RedisClusterRuntime runtime, RedisClusterNodeResource node, Stopwatch sinceDeath)
    {
        try
        {
            // Queued behind the operation running now (Kill master holds the gate until the failover is done).
            await RunAsync(runtime, HealOperation, ct => HealNodeAsync(runtime, node, sinceDeath, ct), _disposing.Token, requireRunning: false, waitForGate: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Reported by RunAsync to the console log and the events ("Heal [failed] …"); nobody awaits this task.
            _logger.LogDebug(ex, "Healing {Node} failed.", node.Name);
        }
    }

    private async Task<bool> HealNodeAsync(RedisClusterRuntime runtime, RedisClusterNodeResource node, Stopwatch sinceDeath, CancellationToken cancellationToken)
    {
        if (runtime.State != KnownResourceStates.Running || IsAppStopping())
        {
            Report(runtime, HealOperation, "skip", $"the cluster is {runtime.State}: nothing to heal for {node.Name}");
            return false;
        }

        if (IsRunning(node))
        {
            Report(runtime, HealOperation, "skip", $"{node.Name} runs again already (restarted by someone else)");
            return false;
        }

        var view = await GetViewAsync(runtime, cancellationToken).ConfigureAwait(false);
        var line = view.FirstOrDefault(n => n.Port == node.Port);
        if (line is null)
        {
            Report(runtime, HealOperation, "skip", $"{node.Name} is not a member of the cluster (a spare, or removed): nothing to heal");
            return false;
        }

        if (line.IsMaster && line.SlotCount > 0)
        {
            var replicas = view.Where(r => r.MasterId == line.Id && !r.IsFailed && IsRunning(runtime, r.Port)).ToList();
            if (replicas.Count > 0)
            {
                await WaitForFailoverAsync(runtime, node, line, replicas, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Nobody else has its slots: every second it is down those slots fail. It comes back empty (the nodes
                // keep nothing on disk), which costs a cache nothing but misses.
                Report(runtime, HealOperation, "no-replica", $"master {line.Id[..8]} had no replica: restarting it at once; its {line.SlotCount} slots come back empty");
            }
        }

        var rejoined = await TryRejoinAsync(runtime, node, line, cancellationToken).ConfigureAwait(false);
        if (!rejoined)
        {
            await ReplaceAsync(runtime, node, line, cancellationToken).ConfigureAwait(false);
        }

        var covered = await EnsureEveryMasterHasReplicaAsync(runtime, HealOperation, cancellationToken).ConfigureAwait(false);
        var settled = await WaitForAgreementAsync(runtime, _ => true, "every node agrees", cancellationToken).ConfigureAwait(false);
        var masters = settled.Count(n => n.IsMaster && n.SlotCount > 0);
        var replicasNow = settled.Count(n => !n.IsMaster && !n.IsFailed);
        Report(runtime, HealOperation, "healed",
            $"{(rejoined ? $"{node.Name} is back" : $"a spare took {node.Name}'s place")}; {masters} masters, {replicasNow} replicas, " +
            $"{(covered ? "every master has a replica" : "a master is left without a replica (no spare node)")}; " +
            $"{sinceDeath.Elapsed.TotalMilliseconds:0} ms after its death was seen");
        return true;
    }

    /// <summary>
    /// Waits until a replica of the dead master owns its slots. Restarted before that, the master would come back
    /// as the owner of its slots with no keys (the nodes keep nothing on disk), and its replica would copy that
    /// empty data set: the keys would be lost. After the failover it returns as a replica of the promoted node.
    /// </summary>
    private async Task WaitForFailoverAsync(
        RedisClusterRuntime runtime, RedisClusterNodeResource node, ClusterNodeLine master, List<ClusterNodeLine> replicas, CancellationToken cancellationToken)
    {
        var ids = replicas.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        bool TookOver(IReadOnlyList<ClusterNodeLine> v) =>
            v.Any(n => ids.Contains(n.Id) && n.IsMaster && n.SlotCount > 0) && !v.Any(n => n.Id == master.Id && n.SlotCount > 0);

        // The failure detection takes node-timeout, the election a little more; past that something is wrong.
        var bound = runtime.Resource.NodeTimeout + TimeSpan.FromSeconds(10);
        Report(runtime, HealOperation, "failover",
            $"master {master.Id[..8]} ({node.Name}) had {replicas.Count} replica(s): waiting until one owns its {master.SlotCount} slots " +
            $"(cluster-node-timeout {runtime.Resource.NodeTimeout.TotalMilliseconds:0} ms, at most {bound.TotalSeconds:0} s), so that it returns as a replica");
        try
        {
            var settled = await WaitForAgreementAsync(runtime, TookOver, "a replica took over the slots", cancellationToken, timeout: bound).ConfigureAwait(false);
            var promoted = settled.First(n => ids.Contains(n.Id) && n.IsMaster && n.SlotCount > 0);
            Report(runtime, HealOperation, "promoted", $"replica {promoted.Id[..8]} ({Address(promoted.Port)}) owns the slots");
        }
        catch (TimeoutException ex)
        {
            // The replicas did not elect one of them (e.g. one judged its data too old): a takeover keeps its keys,
            // where restarting the master would bring it back empty.
            var replica = replicas[0];
            Report(runtime, HealOperation, "takeover", $"{ex.Message} CLUSTER FAILOVER TAKEOVER on replica {replica.Id[..8]} ({Address(replica.Port)})");
            await ExecuteAsync(runtime, replica.Port, cancellationToken, "CLUSTER", "FAILOVER", "TAKEOVER").ConfigureAwait(false);
            await WaitForAgreementAsync(runtime, TookOver, "a replica took over the slots", cancellationToken, timeout: bound).ConfigureAwait(false);
        }
    }

    /// <summary>Restarts the node with its node file and waits until it rejoined: started and back within <see cref="RedisClusterResource.RejoinTimeout"/>.</summary>
    private async Task<bool> TryRejoinAsync(RedisClusterRuntime runtime, RedisClusterNodeResource node, ClusterNodeLine line, CancellationToken cancellationToken)
    {
        var limit = runtime.Resource.RejoinTimeout;
        try
        {
            await RejoinAsync(runtime, HealOperation, node, line.Id, cancellationToken, limit).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && (ex is OperationCanceledException or TimeoutException or InvalidOperationException || IsNodeError(ex)))
        {
            var why = ex is OperationCanceledException ? $"not back within {limit.TotalSeconds:0} s" : ex.Message;
            Report(runtime, HealOperation, "restart-failed", $"{node.Name} ({node.Address}) could not come back: {why}");
            return false;
        }
    }

    /// <summary>
    /// Takes a node that cannot come back out of the cluster: stops what is left of it, makes every node forget it,
    /// covers its slots if it still owned some, and sets its resource aside until the next Reset (its folder is
    /// left as it was, to see what broke). A spare then joins in its place (<see cref="EnsureEveryMasterHasReplicaAsync"/>).
    /// </summary>
    private async Task ReplaceAsync(RedisClusterRuntime runtime, RedisClusterNodeResource node, ClusterNodeLine line, CancellationToken cancellationToken)
    {
        lock (runtime.Lock)
        {
            runtime.SetAside.Add(node.Name);
        }

        if (NodeState(node) is { } state && !IsTerminal(state) && state != KnownResourceStates.NotStarted)
        {
            // A start too slow for the bound may still bring it up: stop it, or a second copy of the node would return.
            Report(runtime, HealOperation, "stop", $"stopping {node.Name}, which is {state} but too late");
            try
            {
                await StopNodeAsync(runtime, node, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException || IsNodeError(ex))
            {
                Report(runtime, HealOperation, "stop", $"{node.Name} did not stop: {ex.Message}");
            }
        }

        Report(runtime, HealOperation, "forget", $"CLUSTER FORGET {line.Id[..8]} on every node: {node.Name} is out of the cluster and set aside until the next Reset");
        foreach (var port in RunningPorts(runtime).Where(p => p != node.Port))
        {
            try
            {
                await ExecuteAsync(runtime, port, cancellationToken, "CLUSTER", "FORGET", line.Id).ConfigureAwait(false);
            }
            catch (StackExchange.Redis.RedisServerException ex) when (ex.Message.Contains("Unknown node", StringComparison.OrdinalIgnoreCase))
            {
                // It never heard of the node: nothing to forget.
            }
        }

        var view = await WaitForAgreementAsync(runtime, v => v.All(n => n.Id != line.Id), "the node is forgotten", cancellationToken, requireOk: false).ConfigureAwait(false);
        var covered = view.Where(n => n.IsMaster && !n.IsFailed).Sum(n => n.SlotCount);
        if (covered < ClusterSlotPlanner.SlotCount)
        {
            // It was a master without a replica: its slots have no owner now. redis-cli gives them to the masters (empty).
            var anchor = view.First(n => !n.IsFailed && IsRunning(runtime, n.Port));
            Report(runtime, HealOperation, "cover", $"{ClusterSlotPlanner.SlotCount - covered} slots have no owner: redis-cli --cluster fix gives them to the other masters");
            await RunRedisCliAsync(runtime, ["--cluster", "fix", Address(anchor.Port), "--cluster-yes"], cancellationToken, failOnErrorLines: false).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Gives every master that owns slots a replica again, from the spare nodes, while they last.
    /// </summary>
    /// <returns>False when a master is left without a replica because no spare node is left.</returns>
    private async Task<bool> EnsureEveryMasterHasReplicaAsync(RedisClusterRuntime runtime, string operation, CancellationToken cancellationToken)
    {
        for (var round = 0; round < runtime.Resource.Nodes.Count; round++)
        {
            var view = await WaitForAgreementAsync(runtime, _ => true, "every node agrees", cancellationToken).ConfigureAwait(false);
            var alone = view
                .Where(m => m.IsMaster && !m.IsFailed && m.SlotCount > 0 && !view.Any(r => r.MasterId == m.Id && !r.IsFailed))
                .OrderBy(m => m.Slots[0].Start)
                .FirstOrDefault();
            if (alone is null)
            {
                return true;
            }

            if (FindSpare(runtime, view) is not { } spare)
            {
                Report(runtime, operation, "no-spare",
                    $"master {alone.Id[..8]} ({Address(alone.Port)}) has no replica and no spare node is left: declare more (AddRedisCluster(spareNodes: …)) or remove a node");
                return false;
            }

            Report(runtime, operation, "spare", $"master {alone.Id[..8]} ({Address(alone.Port)}) has no replica: spare {spare.Name} joins as its replica");
            await JoinSpareAsReplicaAsync(runtime, operation, alone, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }
}
