using System.Diagnostics;
using System.Globalization;

namespace Hosting.Cluster;

public sealed partial class RedisClusterManager
{
    private const int KeysPerMigrate = 256;

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
            for (var slot = move.Range.Start; slot <= move.Range.End; slot++)
            {
                keys += await MigrateSlotAsync(slot, move.SourceId, move.TargetId, ports, cancellationToken).ConfigureAwait(false);
                moved++;
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
    /// Moves one slot the way Redis Cluster specifies it, so clients are redirected (ASK, then MOVED) and no
    /// request fails: IMPORTING on the target, MIGRATING on the source, MIGRATE the keys in batches until none is
    /// left, then SETSLOT NODE on the target, the source and every other master.
    /// </summary>
    /// <returns>The number of keys moved.</returns>
    private async Task<long> MigrateSlotAsync(int slot, string sourceId, string targetId, IReadOnlyDictionary<string, int> ports, CancellationToken cancellationToken)
    {
        var slotText = slot.ToString(CultureInfo.InvariantCulture);
        var source = ports[sourceId];
        var target = ports[targetId];
        await ExecuteAsync(target, cancellationToken, "CLUSTER", "SETSLOT", slotText, "IMPORTING", sourceId).ConfigureAwait(false);
        await ExecuteAsync(source, cancellationToken, "CLUSTER", "SETSLOT", slotText, "MIGRATING", targetId).ConfigureAwait(false);

        long moved = 0;
        while (true)
        {
            var keys = (object?[]?)await ExecuteAsync(source, cancellationToken, "CLUSTER", "GETKEYSINSLOT", slotText,
                KeysPerMigrate.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false) ?? [];
            if (keys.Length == 0)
            {
                break;
            }

            var args = new List<string>(keys.Length + 10)
            {
                "MIGRATE", "127.0.0.1", target.ToString(CultureInfo.InvariantCulture), string.Empty, "0",
                ((long)_options.OperationTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                "REPLACE", "AUTH", Password, "KEYS",
            };
            args.AddRange(keys.Select(k => (string)k!));
            await ExecuteAsync(source, cancellationToken, [.. args]).ConfigureAwait(false);
            moved += keys.Length;
        }

        await ExecuteAsync(target, cancellationToken, "CLUSTER", "SETSLOT", slotText, "NODE", targetId).ConfigureAwait(false);
        await ExecuteAsync(source, cancellationToken, "CLUSTER", "SETSLOT", slotText, "NODE", targetId).ConfigureAwait(false);
        foreach (var (id, port) in ports)
        {
            if (id != sourceId && id != targetId)
            {
                // Only speeds up what gossip would spread anyway; a master that misses it still learns from the epoch.
                var connection = await GetConnectionAsync(port, cancellationToken).ConfigureAwait(false);
                await connection.ExecuteRawAsync(cancellationToken, "CLUSTER", "SETSLOT", slotText, "NODE", targetId).ConfigureAwait(false);
            }
        }

        return moved;
    }
}
