using System.Diagnostics;
using System.Globalization;

namespace Hosting.Cluster;

public sealed partial class RedisClusterManager
{
    private const int KeysPerMigrate = 256;
    private const int SlotsPerBatch = 128;

    /// <summary>Plans a balanced slot map (the leavers give everything) and moves slot by slot, keys included.</summary>
    private async Task RebalanceAsync(string operation, IReadOnlyCollection<string> leaving, CancellationToken cancellationToken)
    {
        var view = await GetViewAsync(cancellationToken).ConfigureAwait(false);
        var masters = view.Where(n => n.IsMaster && !n.IsFailed).ToList();
        var owners = masters.ToDictionary(
            n => n.Id,
            n => (IReadOnlyCollection<int>)n.Slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).ToList());
        var moves = ClusterSlotPlanner.PlanBalance(owners, leaving);
        var total = moves.Sum(m => m.Range.Count);
        Report(operation, "plan", $"{total} slots to move in {moves.Count} range(s): {string.Join("; ", moves.Select(m => $"{m.Range} {m.SourceId[..8]}→{m.TargetId[..8]}"))}");

        var ports = masters.ToDictionary(n => n.Id, n => n.Port);
        var watch = Stopwatch.StartNew();
        var moved = 0;
        long keys = 0;
        foreach (var move in moves)
        {
            Report(operation, "migrate", $"slots {move.Range} from {move.SourceId[..8]} ({Address(ports[move.SourceId])}) to {move.TargetId[..8]} ({Address(ports[move.TargetId])})");
            for (var first = move.Range.Start; first <= move.Range.End; first += SlotsPerBatch)
            {
                var batch = new SlotRange(first, Math.Min(move.Range.End, first + SlotsPerBatch - 1));
                keys += await MigrateSlotsAsync(batch, move.SourceId, move.TargetId, ports, cancellationToken).ConfigureAwait(false);
                moved += batch.Count;
            }

            Report(operation, "progress", $"{moved}/{total} slots, {keys} keys moved in {watch.Elapsed.TotalSeconds:0.0} s");
        }

        Report(operation, "wait", "waiting until every node agrees on the new slot map");
        await WaitForAgreementAsync(
            v => leaving.All(id => v.All(n => n.Id != id || n.SlotCount == 0)),
            "the leaving masters own no slot",
            cancellationToken).ConfigureAwait(false);
        Report(operation, "balanced", $"{total} slots and {keys} keys moved in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Moves a batch of slots the way Redis Cluster specifies it, so clients are redirected (ASK, then MOVED) and
    /// no request fails: IMPORTING on the target, MIGRATING on the source, MIGRATE each slot's keys until none is
    /// left, then SETSLOT NODE on the target, the source and every other master. Each step is one pipelined
    /// round trip for the whole batch, which is what makes moving thousands of slots take seconds, not minutes.
    /// </summary>
    /// <returns>The number of keys moved.</returns>
    private async Task<long> MigrateSlotsAsync(SlotRange slots, string sourceId, string targetId, IReadOnlyDictionary<string, int> ports, CancellationToken cancellationToken)
    {
        var source = ports[sourceId];
        var target = ports[targetId];
        var slotTexts = Enumerable.Range(slots.Start, slots.Count).Select(s => s.ToString(CultureInfo.InvariantCulture)).ToList();
        await PipelineOnAsync(target, slotTexts.Select(s => new[] { "CLUSTER", "SETSLOT", s, "IMPORTING", sourceId }).ToList(), cancellationToken).ConfigureAwait(false);
        await PipelineOnAsync(source, slotTexts.Select(s => new[] { "CLUSTER", "SETSLOT", s, "MIGRATING", targetId }).ToList(), cancellationToken).ConfigureAwait(false);

        long moved = 0;
        var pending = slotTexts;
        while (pending.Count > 0)
        {
            var listed = await PipelineOnAsync(source, pending.Select(s => new[] { "CLUSTER", "GETKEYSINSLOT", s, KeysPerMigrate.ToString(CultureInfo.InvariantCulture) }).ToList(), cancellationToken).ConfigureAwait(false);
            var migrations = new List<string[]>();
            var stillPending = new List<string>();
            for (var i = 0; i < pending.Count; i++)
            {
                var keys = (object?[]?)listed[i] ?? [];
                if (keys.Length == 0)
                {
                    continue;
                }

                // MIGRATE per slot: a batch of keys from one slot is what Redis itself moves (redis-cli does the same).
                var args = new List<string>(keys.Length + 10)
                {
                    "MIGRATE", "127.0.0.1", target.ToString(CultureInfo.InvariantCulture), string.Empty, "0",
                    ((long)_options.OperationTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                    "REPLACE", "AUTH", Password, "KEYS",
                };
                args.AddRange(keys.Select(k => (string)k!));
                migrations.Add([.. args]);
                stillPending.Add(pending[i]);
                moved += keys.Length;
            }

            if (migrations.Count > 0)
            {
                await PipelineOnAsync(source, migrations, cancellationToken).ConfigureAwait(false);
            }

            pending = stillPending;
        }

        await PipelineOnAsync(target, slotTexts.Select(s => new[] { "CLUSTER", "SETSLOT", s, "NODE", targetId }).ToList(), cancellationToken).ConfigureAwait(false);
        // A source that just gave its last slot away may already have turned itself into a replica of the target
        // (cluster-allow-replica-migration) and refuse SETSLOT; the agreement wait after the moves checks the result.
        await PipelineOnAsync(source, slotTexts.Select(s => new[] { "CLUSTER", "SETSLOT", s, "NODE", targetId }).ToList(), cancellationToken, throwOnError: false).ConfigureAwait(false);
        foreach (var (id, port) in ports)
        {
            if (id != sourceId && id != targetId)
            {
                // Only speeds up what gossip would spread anyway; a master that misses it still learns from the epoch.
                await PipelineOnAsync(port, slotTexts.Select(s => new[] { "CLUSTER", "SETSLOT", s, "NODE", targetId }).ToList(), cancellationToken, throwOnError: false).ConfigureAwait(false);
            }
        }

        return moved;
    }

    private async Task<object?[]> PipelineOnAsync(int port, IReadOnlyList<string[]> commands, CancellationToken cancellationToken, bool throwOnError = true)
    {
        var connection = await GetConnectionAsync(port, cancellationToken).ConfigureAwait(false);
        object?[] replies;
        try
        {
            replies = await connection.PipelineAsync(commands, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            DropConnection(port, connection);
            throw;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            DropConnection(port, connection);
            throw new IOException($"Redis node 127.0.0.1:{port} did not answer {commands[0][0]} {commands[0][1]}: {ex.Message}", ex);
        }

        for (var i = 0; throwOnError && i < replies.Length; i++)
        {
            if (replies[i] is RespError error)
            {
                throw new InvalidOperationException($"{Address(port)} refused '{string.Join(' ', commands[i].Take(4))}': {error.Message}");
            }
        }

        return replies;
    }

    /// <summary>
    /// An operation cancelled or failed mid-move leaves slots MIGRATING/IMPORTING (clients still get correct
    /// ASK redirects). Before moving anything else, finish those moves with <c>redis-cli --cluster fix</c>.
    /// </summary>
    private async Task RepairOpenSlotsAsync(string operation, CancellationToken cancellationToken)
    {
        foreach (var port in RunningPorts())
        {
            var view = await GetViewOfAsync(port, cancellationToken).ConfigureAwait(false);
            if (!view.Any(n => n.IsMyself && n.HasOpenSlots))
            {
                continue;
            }

            Report(operation, "repair", $"{Address(port)} has slots left half-moved by an interrupted operation: redis-cli --cluster fix");
            await RunRedisCliAsync(["-a", Password, "--no-auth-warning", "--cluster", "fix", Address(port), "--cluster-yes"], cancellationToken, failOnErrorLines: false).ConfigureAwait(false);
            await WaitForAgreementAsync(_ => true, "no slot is half-moved", cancellationToken).ConfigureAwait(false);
            return;
        }
    }
}
