namespace LoadGen.Metrics;

/// <summary>
/// A log-linear latency histogram in microseconds: exact below 128 µs, then every power of two is split into 128
/// equal buckets. Any percentile it reports is within 1/256 (0.4 %) of the exact value of the same samples.
/// </summary>
/// <remarks>
/// Recording is lock-free (one <see cref="Interlocked"/> increment per counter) so every virtual client can record into
/// one shared instance; memory is fixed (4 480 counters, 35 KB) however many samples arrive, unlike a sorted list of
/// every sample. Values above 2^41 µs (25 days) are clamped into the last bucket.
/// </remarks>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBucketCount = 1 << SubBucketBits;
    private const int MaxExponent = 40;
    private const int BucketCount = SubBucketCount + ((MaxExponent - SubBucketBits + 1) * SubBucketCount);

    /// <summary>The largest relative error of a reported percentile: half a bucket over the bucket's lowest value.</summary>
    public const double MaxRelativeError = 1.0 / (2 * SubBucketCount);

    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private long _sum;
    private long _max;
    private long _min = long.MaxValue;

    /// <summary>The number of recorded samples.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>The largest recorded value in microseconds (exact), 0 when empty.</summary>
    public long MaxMicroseconds => Volatile.Read(ref _max);

    /// <summary>The smallest recorded value in microseconds (exact), 0 when empty.</summary>
    public long MinMicroseconds => Count == 0 ? 0 : Volatile.Read(ref _min);

    /// <summary>The mean in microseconds, 0 when empty.</summary>
    public double MeanMicroseconds => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    /// <summary>Records one latency.</summary>
    public void Record(TimeSpan latency) => Record(latency.Ticks / TimeSpan.TicksPerMicrosecond);

    /// <summary>Records one latency in microseconds; negative values count as 0.</summary>
    public void Record(long microseconds)
    {
        if (microseconds < 0)
        {
            microseconds = 0;
        }

        Interlocked.Increment(ref _counts[BucketIndex(microseconds)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, microseconds);
        UpdateMax(microseconds);
        UpdateMin(microseconds);
    }

    /// <summary>Adds every sample of <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return;
        }

        for (var i = 0; i < BucketCount; i++)
        {
            var c = Volatile.Read(ref other._counts[i]);
            if (c != 0)
            {
                Interlocked.Add(ref _counts[i], c);
            }
        }

        Interlocked.Add(ref _count, other.Count);
        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        UpdateMax(other.MaxMicroseconds);
        UpdateMin(other.MinMicroseconds);
    }

    /// <summary>
    /// The value at percentile <paramref name="percentile"/> (0..100) in microseconds, by the nearest-rank definition
    /// (the smallest sample such that at least that share of samples is less or equal), within
    /// <see cref="MaxRelativeError"/> of the exact value; 0 when empty.
    /// </summary>
    public double ValueAtPercentile(double percentile)
    {
        if (!(percentile >= 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "A percentile is between 0 and 100.");
        }

        var count = Count;
        if (count == 0)
        {
            return 0;
        }

        if (percentile >= 100)
        {
            return MaxMicroseconds;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                var (low, width) = BucketRange(i);
                // The middle of the bucket halves the worst error; never report more than the exact maximum.
                return Math.Min(low + ((width - 1) / 2.0), MaxMicroseconds);
            }
        }

        return MaxMicroseconds;
    }

    /// <summary>A summary in milliseconds: count, p50, p95, p99, max, mean.</summary>
    public LatencySummary Summarize() => new(
        Count,
        ValueAtPercentile(50) / 1000,
        ValueAtPercentile(95) / 1000,
        ValueAtPercentile(99) / 1000,
        MaxMicroseconds / 1000.0,
        MeanMicroseconds / 1000);

    private static int BucketIndex(long value)
    {
        if (value < SubBucketCount)
        {
            return (int)value;
        }

        var exponent = 63 - (int)long.LeadingZeroCount(value);
        if (exponent > MaxExponent)
        {
            return BucketCount - 1;
        }

        var sub = (int)(value >> (exponent - SubBucketBits)) - SubBucketCount;
        return SubBucketCount + ((exponent - SubBucketBits) * SubBucketCount) + sub;
    }

    private static (long Low, long Width) BucketRange(int index)
    {
        if (index < SubBucketCount)
        {
            return (index, 1);
        }

        var exponent = ((index - SubBucketCount) / SubBucketCount) + SubBucketBits;
        var sub = (index - SubBucketCount) % SubBucketCount;
        var width = 1L << (exponent - SubBucketBits);
        return ((SubBucketCount + sub) * width, width);
    }

    private void UpdateMax(long value)
    {
        var current = Volatile.Read(ref _max);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void UpdateMin(long value)
    {
        var current = Volatile.Read(ref _min);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref _min, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
