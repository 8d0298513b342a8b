using Aspire.Hosting.ApplicationModel;

namespace Hosting.UnitTests;

public sealed class ClusterSlotPlannerTests
{
    [Fact]
    public void AddingAnEmptyMasterToThreeGivesEveryMasterAQuarterOfTheSlots()
    {
        var owners = Even(3);
        owners["new"] = [];

        var moves = ClusterSlotPlanner.PlanBalance(Read(owners), []);

        var after = Apply(owners, moves);
        AssertEveryMasterWithinOnePercentOfTheMean(after);
        Assert.All(after.Values, slots => Assert.InRange(slots.Count, 4096, 4096));
        AssertEverySlotOwnedOnce(after);
    }

    [Fact]
    public void AddingAMasterMovesOnlyTheSlotsItNeedsAndKeepsTheOthersContiguous()
    {
        var owners = Even(3);
        owners["new"] = [];

        var moves = ClusterSlotPlanner.PlanBalance(Read(owners), []);

        Assert.Equal(4096, moves.Sum(m => m.Range.Count));
        Assert.All(moves, m => Assert.Equal("new", m.TargetId));
        var after = Apply(owners, moves);
        Assert.All(new[] { "m0", "m1", "m2" }, id => Assert.Single(SlotRange.FromSlots(after[id])));
        Assert.Equal(3, SlotRange.FromSlots(after["new"]).Count);
    }

    [Fact]
    public void RemovingTheMiddleMasterExtendsBothNeighboursWithoutFragments()
    {
        var owners = Even(3);

        var moves = ClusterSlotPlanner.PlanBalance(Read(owners), ["m1"]);

        var after = Apply(owners, moves);
        Assert.Empty(after["m1"]);
        after.Remove("m1");
        AssertEveryMasterWithinOnePercentOfTheMean(after);
        AssertEverySlotOwnedOnce(after);
        Assert.All(after.Values, slots => Assert.Single(SlotRange.FromSlots(slots)));
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(7, 1)]
    public void RepeatedAddsAndRemovesNeverLoseOrDuplicateASlot(int masters, int seed)
    {
        var random = new Random(seed);
        var owners = Even(masters);
        for (var round = 0; round < 20; round++)
        {
            string[] leaving = [];
            if (owners.Count > 3 && random.Next(2) == 0)
            {
                leaving = [owners.Keys.ElementAt(random.Next(owners.Count))];
            }
            else
            {
                owners[$"n{round}"] = [];
            }

            var moves = ClusterSlotPlanner.PlanBalance(Read(owners), leaving);
            owners = Apply(owners, moves);
            foreach (var id in leaving)
            {
                Assert.Empty(owners[id]);
                owners.Remove(id);
            }

            AssertEverySlotOwnedOnce(owners);
            AssertEveryMasterWithinOnePercentOfTheMean(owners);
        }
    }

    [Fact]
    public void ABalancedClusterNeedsNoMove()
    {
        Assert.Empty(ClusterSlotPlanner.PlanBalance(Read(Even(3)), []));
    }

    [Fact]
    public void RemovingEveryMasterIsRefusedWithAReason()
    {
        var owners = Even(3);

        var error = Assert.Throws<ArgumentException>(() => ClusterSlotPlanner.PlanBalance(Read(owners), ["m0", "m1", "m2"]));

        Assert.Contains("At least one master", error.Message);
    }

    [Fact]
    public void SlotRangesCollapseContiguousSlots()
    {
        Assert.Equal([new SlotRange(0, 2), new SlotRange(5, 5), new SlotRange(7, 8)], SlotRange.FromSlots([8, 0, 1, 2, 5, 7]));
        Assert.Equal("0-2", new SlotRange(0, 2).ToString());
    }

    private static Dictionary<string, List<int>> Even(int masters)
    {
        var owners = new Dictionary<string, List<int>>();
        for (var i = 0; i < masters; i++)
        {
            owners[$"m{i}"] = [];
        }

        // As redis-cli --cluster create splits them: contiguous, nearly equal ranges.
        for (var slot = 0; slot < ClusterSlotPlanner.SlotCount; slot++)
        {
            owners[$"m{(int)((long)slot * masters / ClusterSlotPlanner.SlotCount)}"].Add(slot);
        }

        return owners;
    }

    private static Dictionary<string, IReadOnlyCollection<int>> Read(Dictionary<string, List<int>> owners) =>
        owners.ToDictionary(kv => kv.Key, kv => (IReadOnlyCollection<int>)kv.Value.ToList());

    private static Dictionary<string, List<int>> Apply(Dictionary<string, List<int>> owners, IReadOnlyList<SlotMove> moves)
    {
        var after = owners.ToDictionary(kv => kv.Key, kv => kv.Value.ToHashSet());
        foreach (var move in moves)
        {
            for (var slot = move.Range.Start; slot <= move.Range.End; slot++)
            {
                Assert.True(after[move.SourceId].Remove(slot), $"{move.SourceId} does not own slot {slot} it is asked to give");
                Assert.True(after[move.TargetId].Add(slot), $"{move.TargetId} already owns slot {slot}");
            }
        }

        return after.ToDictionary(kv => kv.Key, kv => kv.Value.Order().ToList());
    }

    private static void AssertEverySlotOwnedOnce(Dictionary<string, List<int>> owners)
    {
        var all = owners.Values.SelectMany(s => s).ToList();
        Assert.Equal(ClusterSlotPlanner.SlotCount, all.Count);
        Assert.Equal(ClusterSlotPlanner.SlotCount, all.Distinct().Count());
    }

    private static void AssertEveryMasterWithinOnePercentOfTheMean(Dictionary<string, List<int>> owners)
    {
        var mean = owners.Values.Average(s => s.Count);
        Assert.All(owners.Values, s => Assert.InRange(s.Count, mean * 0.99, mean * 1.01));
    }
}
