namespace Aspire.Hosting.ApplicationModel;

/// <summary>An inclusive range of hash slots, e.g. <c>0-5460</c>.</summary>
public readonly record struct SlotRange(int Start, int End)
{
    /// <summary>The number of slots in the range.</summary>
    public int Count => End - Start + 1;

    /// <summary>Collapses sorted or unsorted slot numbers into the fewest contiguous ranges.</summary>
    public static IReadOnlyList<SlotRange> FromSlots(IEnumerable<int> slots)
    {
        var ranges = new List<SlotRange>();
        var sorted = slots.Order().ToArray();
        for (var i = 0; i < sorted.Length;)
        {
            var start = sorted[i];
            var end = start;
            while (++i < sorted.Length && sorted[i] == end + 1)
            {
                end++;
            }

            ranges.Add(new SlotRange(start, end));
        }

        return ranges;
    }

    /// <inheritdoc />
    public override string ToString() => Start == End ? $"{Start}" : $"{Start}-{End}";
}
