namespace LoadGen.Metrics;

/// <summary>
/// Decides whether a read was stale, by the sample's definition: a read of product P that <em>starts after</em> a write
/// of P was acknowledged to LoadGen and returns an older version than that write's.
/// </summary>
/// <remarks>
/// <para>
/// For each product it keeps the highest version whose write was acknowledged (the 200 response reached LoadGen) and
/// when. <see cref="BeginRead"/> takes that version at the moment the read starts: it is exactly "the highest version
/// acknowledged before the read started", so a write acknowledged while the read is in flight never makes it stale,
/// and nothing depends on the order in which responses come back.
/// </para>
/// <para>
/// Concurrent writes to one product: each acknowledgement raises the mark only if its version is higher, so an older
/// write whose response arrives last cannot lower it. Failed writes are never acknowledged and never count.
/// Thread-safe; one small lock per product, taken for a few instructions (writes are a few percent of the traffic).
/// </para>
/// </remarks>
public sealed class StaleReadDetector
{
    private readonly ProductMark[] _marks;
    private readonly TimeProvider _time;

    /// <summary>Creates a detector for product ids 1..<paramref name="productCount"/>.</summary>
    public StaleReadDetector(int productCount, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(productCount, 1);
        _time = time ?? TimeProvider.System;
        _marks = new ProductMark[productCount + 1];
        for (var i = 0; i < _marks.Length; i++)
        {
            _marks[i] = new ProductMark();
        }
    }

    /// <summary>The number of products tracked (ids 1..ProductCount).</summary>
    public int ProductCount => _marks.Length - 1;

    /// <summary>Records that a write of <paramref name="productId"/> was acknowledged with <paramref name="version"/>.</summary>
    public void WriteAcknowledged(int productId, long version)
    {
        var mark = Mark(productId);
        var now = _time.GetTimestamp();
        lock (mark)
        {
            if (version > mark.Version)
            {
                mark.Version = version;
                mark.AckTimestamp = now;
            }
        }
    }

    /// <summary>Call when a read of <paramref name="productId"/> starts; pass the result to <see cref="IsStale"/>.</summary>
    public ReadExpectation BeginRead(int productId)
    {
        var mark = Mark(productId);
        lock (mark)
        {
            return new ReadExpectation(productId, mark.Version, mark.AckTimestamp);
        }
    }

    /// <summary>
    /// True when the read that began with <paramref name="expectation"/> returned <paramref name="version"/>, older than a
    /// write acknowledged before it started.
    /// </summary>
    public static bool IsStale(in ReadExpectation expectation, long version) =>
        expectation.HasAcknowledgedWrite && version < expectation.MinimumVersion;

    /// <summary>
    /// How long after the acknowledgement of the missed write the read started: how long the system stayed stale.
    /// </summary>
    public TimeSpan StalenessAge(in ReadExpectation expectation, long readStartTimestamp) =>
        expectation.HasAcknowledgedWrite ? _time.GetElapsedTime(expectation.AckTimestamp, readStartTimestamp) : TimeSpan.Zero;

    /// <summary>The highest acknowledged version of <paramref name="productId"/>, or null when no write was acknowledged.</summary>
    public long? AcknowledgedVersion(int productId)
    {
        var mark = Mark(productId);
        lock (mark)
        {
            return mark.Version == long.MinValue ? null : mark.Version;
        }
    }

    private ProductMark Mark(int productId)
    {
        if ((uint)productId >= (uint)_marks.Length || productId == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(productId), productId, $"Product ids are 1..{ProductCount}.");
        }

        return _marks[productId];
    }

    private sealed class ProductMark
    {
        public long Version = long.MinValue;
        public long AckTimestamp;
    }
}
