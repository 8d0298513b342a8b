namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Plans which slots move where so every master ends with the same number of slots (within one), moving as few
/// slots as possible and keeping ranges contiguous where it can. Pure: no server, so it is unit tested alone.
/// </summary>
public static class ClusterSlotPlanner
{
    /// <summary>The number of hash slots of a Redis Cluster.</summary>
    public const int SlotCount = 16384;

    /// <summary>
    /// Plans the moves that spread all slots evenly over <paramref name="masters"/>. Masters listed with no slots
    /// (new ones) receive slots; masters in <paramref name="leaving"/> give all of theirs away.
    /// </summary>
    /// <param name="owners">Each master's node id and the slots it owns now (masters with no slots included).</param>
    /// <param name="leaving">Masters that must end with no slot (being removed); may be empty.</param>
    /// <returns>The moves, grouped into contiguous ranges, in slot order per source.</returns>
    public static IReadOnlyList<SlotMove> PlanBalance(IReadOnlyDictionary<string, IReadOnlyCollection<int>> owners, IReadOnlyCollection<string> leaving)
    {
        ArgumentNullException.ThrowIfNull(owners);
        ArgumentNullException.ThrowIfNull(leaving);
        var staying = owners.Keys.Where(id => !leaving.Contains(id)).ToList();
        if (staying.Count == 0)
        {
            throw new ArgumentException("At least one master must keep slots; the plan would leave the cluster without owners.", nameof(leaving));
        }

        var total = owners.Values.Sum(slots => slots.Count);
        var target = Targets(owners, staying, total);

        // What each giver hands over: leavers give everything, over-full masters give from the top of their slots
        // (their ranges stay contiguous at the bottom).
        var pool = new List<(int Slot, string Source)>();
        foreach (var (id, slots) in owners)
        {
            var give = leaving.Contains(id) ? slots.Count : Math.Max(0, slots.Count - target[id]);
            foreach (var slot in slots.OrderDescending().Take(give))
            {
                pool.Add((slot, id));
            }
        }

        pool.Sort((a, b) => a.Slot.CompareTo(b.Slot));

        // Receivers take consecutive chunks of the sorted pool, ordered by where their own slots are, so the chunk
        // next to a receiver's range tends to go to it (removing a middle master extends both neighbours).
        var receivers = staying
            .Where(id => owners[id].Count < target[id])
            .OrderBy(id => owners[id].Count == 0 ? double.MaxValue : owners[id].Average())
            .ThenBy(id => id, StringComparer.Ordinal)
            .ToList();

        var moves = new List<(int Slot, string Source, string Target)>(pool.Count);
        var next = 0;
        foreach (var id in receivers)
        {
            var need = target[id] - owners[id].Count;
            for (var i = 0; i < need; i++)
            {
                moves.Add((pool[next].Slot, pool[next].Source, id));
                next++;
            }
        }

        return Group(moves);
    }

    private static Dictionary<string, int> Targets(IReadOnlyDictionary<string, IReadOnlyCollection<int>> owners, List<string> staying, int total)
    {
        var baseCount = total / staying.Count;
        var extra = total % staying.Count;

        // The masters that already hold the most keep the extra slot each, so fewer slots move.
        var target = new Dictionary<string, int>();
        var ordered = staying.OrderByDescending(id => owners[id].Count).ThenBy(id => id, StringComparer.Ordinal).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            target[ordered[i]] = baseCount + (i < extra ? 1 : 0);
        }

        return target;
    }

    private static List<SlotMove> Group(List<(int Slot, string Source, string Target)> moves)
    {
        var result = new List<SlotMove>();
        foreach (var group in moves.GroupBy(m => (m.Source, m.Target)))
        {
            foreach (var range in SlotRange.FromSlots(group.Select(m => m.Slot)))
            {
                result.Add(new SlotMove(range, group.Key.Source, group.Key.Target));
            }
        }

        return result.OrderBy(m => m.Range.Start).ToList();
    }
}
