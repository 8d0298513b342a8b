namespace LoadGen.Workloads;

/// <summary>
/// Draws product ids 1..N with Zipf popularity: id k is chosen with probability proportional to 1 / k^s.
/// </summary>
/// <remarks>
/// The cumulative distribution is computed once (N doubles: 80 KB for the 10 000 seeded products) and each draw is
/// one uniform number plus a binary search, O(log N) with no allocation. It is immutable and thread-safe; each caller
/// brings its own <see cref="Random"/> so virtual clients never contend on one generator.
/// </remarks>
public sealed class ZipfSampler
{
    private readonly double[] _cdf;

    /// <summary>Precomputes the distribution over ids 1..<paramref name="count"/> with exponent <paramref name="skew"/>.</summary>
    public ZipfSampler(int count, double skew)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!(skew >= 0) || double.IsInfinity(skew))
        {
            throw new ArgumentOutOfRangeException(nameof(skew), skew, "The Zipf skew must be a finite number >= 0 (0 is uniform).");
        }

        Count = count;
        Skew = skew;
        _cdf = new double[count];
        double sum = 0;
        for (var k = 1; k <= count; k++)
        {
            sum += 1.0 / Math.Pow(k, skew);
            _cdf[k - 1] = sum;
        }

        for (var i = 0; i < count; i++)
        {
            _cdf[i] /= sum;
        }

        // Rounding can leave the last entry a hair under 1; a draw of 0.9999999 must still land on an id.
        _cdf[count - 1] = 1.0;
    }

    /// <summary>The number of products (ids are 1..Count).</summary>
    public int Count { get; }

    /// <summary>The Zipf exponent.</summary>
    public double Skew { get; }

    /// <summary>The probability of id <paramref name="id"/> (1-based).</summary>
    public double Probability(int id)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, Count);
        return id == 1 ? _cdf[0] : _cdf[id - 1] - _cdf[id - 2];
    }

    /// <summary>Draws one product id in 1..Count.</summary>
    public int Next(Random random)
    {
        var u = random.NextDouble();
        // The first index whose cumulative probability exceeds u.
        int lo = 0, hi = _cdf.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_cdf[mid] > u)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo + 1;
    }
}
