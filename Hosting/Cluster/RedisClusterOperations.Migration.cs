using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Aspire.Hosting.ApplicationModel;

public sealed partial class RedisClusterOperations
{
    private const int KeysPerMigrate = 256;
    private const int SlotsPerBatch = 128;

    /// <summary>Plans a balanced slot map (the leavers give everything) and moves slot by slot, keys included.</summary>
    private async Task RebalanceAsync(RedisClusterRuntime runtime, string operation, IReadOnlyCollection<string> leaving, CancellationToken cancellationToken)
    {
        var view = await GetViewAsync(runtime, cancellationToken).ConfigureAwait(false);
        var masters = view.Where(n => n.IsMaster && !n.IsFailed).ToList();
        var owners = masters.ToDictionary(
            n => n.Id,
            n => (IReadOnlyCollection<int>)n.Slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).ToList());
        var moves = ClusterSlotPlanner.PlanBalance(owners, leaving);
        var total = moves.Sum(m => m.Range.Count);
        Report(runtime, operation, "plan", $"{total} slots to move in {moves.Count} range(s): {string.Join("; ", moves.Select(m => $"{m.Range} {m.SourceId[..8]}→{m.TargetId[..8]}"))}");

        var ports = masters.ToDictionary(n => n.Id, n => n.Port);
        var watch = Stopwatch.StartNew();
        var moved = 0;
        long keys = 0;
        foreach (var move in moves)
        {
            Report(runtime, operation, "migrate", $"slots {move.Range} from {move.SourceId[..8]} ({Address(ports[move.SourceId])}) to {move.TargetId[..8]} ({Address(ports[move.TargetId])})");
            for (var first = move.Range.Start; first <= move.Range.End; first += SlotsPerBatch)
            {
                var batch = new SlotRange(first, Math.Min(move.Range.End, first + SlotsPerBatch - 1));
                keys += await MigrateSlotsAsync(runtime, batch, move.SourceId, move.TargetId, ports, cancellationToken).ConfigureAwait(false);
                moved += batch.Count;
            }

            Report(runtime, operation, "progress", $"{moved}/{total} slots, {keys} keys moved in {watch.Elapsed.TotalSeconds:0.0} s");
        }

        Report(runtime, operation, "wait", "waiting until every node agrees on the new slot map");
        await WaitForAgreementAsync(
            runtime,
            v => leaving.All(id => v.All(n => n.Id != id || n.SlotCount == 0)),
            "the leaving masters own no slot",
            cancellationToken).ConfigureAwait(false);
        Report(runtime, operation, "balanced", $"{total} slots and {keys} keys moved in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Moves a batch of slots the way Redis Cluster specifies it, so clients are redirected (ASK, then MOVED) and
    /// no request fails: IMPORTING on the target, MIGRATING on the source, MIGRATE each slot's keys until none is
    /// left, then SETSLOT NODE on the target, the source and every other master. Each step is one pipelined
    /// round trip for the whole batch (StackExchange.Redis pipelines commands issued without awaiting each),
    /// which is what makes moving thousands of slots take seconds, not minutes.
    /// </summary>
    /// <returns>The number of keys moved.</returns>
    private async Task<long> MigrateSlotsAsync(
        RedisClusterRuntime runtime, SlotRange slots, string sourceId, string targetId, IReadOnlyDictionary<string, int> ports, CancellationToken cancellationToken)
    {
        var source = ports[sourceId];
        var target = ports[targetId];
        var slotTexts = Enumerable.Range(slots.Start, slots.Count).Select(s => s.ToString(CultureInfo.InvariantCulture)).ToList();
        await PipelineOnAsync(runtime, target, slotTexts.Select(s => new object[] { "SETSLOT", s, "IMPORTING", sourceId }).ToList(), cancellationToken).ConfigureAwait(false);
        await PipelineOnAsync(runtime, source, slotTexts.Select(s => new object[] { "SETSLOT", s, "MIGRATING", targetId }).ToList(), cancellationToken).ConfigureAwait(false);

        long moved = 0;
        var pending = slotTexts;
        var timeout = ((long)runtime.Resource.OperationTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        while (pending.Count > 0)
        {
            var listed = await PipelineOnAsync(runtime, source, pending.Select(s => new object[] { "GETKEYSINSLOT", s, KeysPerMigrate }).ToList(), cancellationToken).ConfigureAwait(false);
            var migrations = new List<(string Command, object[] Args)>();
            var stillPending = new List<string>();
            for (var i = 0; i < pending.Count; i++)
            {
                var keys = (RedisResult[]?)listed[i] ?? [];
                if (keys.Length == 0)
                {
                    continue;
                }

                // MIGRATE per slot: a batch of keys from one slot is what Redis itself moves (redis-cli does the same).
                // Keys as byte[] (plain values to StackExchange.Redis): binary-safe, and not routed by their slot.
                var args = new List<object>(keys.Length + 9)
                {
                    "127.0.0.1", target.ToString(CultureInfo.InvariantCulture), string.Empty, "0", timeout,
                    "REPLACE", "AUTH", runtime.Password!, "KEYS",
                };
                args.AddRange(keys.Select(k => (object)(byte[])k!));
                migrations.Add(("MIGRATE", [.. args]));
                stillPending.Add(pending[i]);
                moved += keys.Length;
            }

            if (migrations.Count > 0)
            {
                await PipelineOnAsync(runtime, source, migrations, cancellationToken).ConfigureAwait(false);
            }

            pending = stillPending;
        }

        var assign = slotTexts.Select(s => new object[] { "SETSLOT", s, "NODE", targetId }).ToList();
        await PipelineOnAsync(runtime, target, assign, cancellationToken).ConfigureAwait(false);

        // A source that just gave its last slot away may already have turned itself into a replica of the target
        // (cluster-allow-replica-migration) and refuse SETSLOT; the agreement wait after the moves checks the result.
        await PipelineOnAsync(runtime, source, assign, cancellationToken, throwOnError: false).ConfigureAwait(false);
        foreach (var (id, port) in ports)
        {
            if (id != sourceId && id != targetId)
            {
                // Only speeds up what gossip would spread anyway; a master that misses it still learns from the epoch.
                await PipelineOnAsync(runtime, port, assign, cancellationToken, throwOnError: false).ConfigureAwait(false);
            }
        }

        return moved;
    }

    private Task<RedisResult?[]> PipelineOnAsync(RedisClusterRuntime runtime, int port, IReadOnlyList<object[]> clusterCommands, CancellationToken cancellationToken, bool throwOnError = true) =>
        PipelineOnAsync(runtime, port, clusterCommands.Select(args => ("CLUSTER", args)).ToList(), cancellationToken, throwOnError);

    /// <summary>Sends every command before awaiting any (one pipelined round trip); an error reply fails the batch unless told otherwise.</summary>
    private async Task<RedisResult?[]> PipelineOnAsync(
        RedisClusterRuntime runtime, int port, IReadOnlyList<(string Command, object[] Args)> commands, CancellationToken cancellationToken, bool throwOnError = true)
    {
        var server = await GetServerAsync(runtime, port, cancellationToken).ConfigureAwait(false);
        var pending = commands.Select(c => server.ExecuteAsync(c.Command, c.Args)).ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            DropConnection(runtime, port);
            throw;
        }
        catch (RedisServerException) when (!throwOnError)
        {
            // Collected below: some replies may be errors, the others are still wanted.
        }
        catch (RedisServerException ex)
        {
            var index = Array.FindIndex(pending, t => t.IsFaulted);
            var (command, args) = commands[index];
            throw new InvalidOperationException($"{Address(port)} refused '{command} {string.Join(' ', args.Take(3))}': {ex.Message}", ex);
        }

        return [.. pending.Select(t => t.IsCompletedSuccessfully ? t.Result : null)];
    }

    /// <summary>
    /// An operation cancelled or failed mid-move leaves slots MIGRATING/IMPORTING (clients still get correct
    /// ASK redirects). Before moving anything else, finish those moves with <c>redis-cli --cluster fix</c>.
    /// </summary>
    private async Task RepairOpenSlotsAsync(RedisClusterRuntime runtime, string operation, CancellationToken cancellationToken)
    {
        foreach (var port in RunningPorts(runtime))
        {
            var view = await GetViewOfAsync(runtime, port, cancellationToken).ConfigureAwait(false);
            if (!view.Any(n => n.IsMyself && n.HasOpenSlots))
            {
                continue;
            }

            Report(runtime, operation, "repair", $"{Address(port)} has slots left half-moved by an interrupted operation: redis-cli --cluster fix");
            await RunRedisCliAsync(runtime, ["--cluster", "fix", Address(port), "--cluster-yes"], cancellationToken, failOnErrorLines: false).ConfigureAwait(false);
            await WaitForAgreementAsync(runtime, _ => true, "no slot is half-moved", cancellationToken).ConfigureAwait(false);
            return;
        }
    }
}
