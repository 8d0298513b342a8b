using LoadGen.Metrics;

namespace LoadGen.UnitTests;

public class LatencyHistogramTests
{
    private static readonly double[] s_percentiles = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

    [Fact]
    public void PercentilesOfUniformDataAreWithinTheStatedErrorOfTheExactOnes()
    {
        var random = new Random(1);
        var samples = Enumerable.Range(0, 100_000).Select(_ => (long)random.Next(1, 2_000_000)).ToArray();

        AssertWithinStatedError(samples);
    }

    [Fact]
    public void PercentilesOfSkewedDataAreWithinTheStatedErrorOfTheExactOnes()
    {
        // Log-normal latencies with a heavy tail: most around 1 ms, some up to seconds.
        var random = new Random(2);
        var samples = Enumerable.Range(0, 100_000)
            .Select(_ => (long)Math.Exp(7 + (1.5 * Gaussian(random))))
            .ToArray();

        AssertWithinStatedError(samples);
    }

    [Fact]
    public void PercentilesOfDataWithFewDistinctValuesAreWithinTheStatedError()
    {
        var random = new Random(3);
        long[] values = [90, 1_500, 1_501, 250_000, 9_000_000_000];
        var samples = Enumerable.Range(0, 10_000).Select(_ => values[random.Next(values.Length)]).ToArray();

        AssertWithinStatedError(samples);
    }

    [Fact]
    public void ValuesBelow128MicrosecondsAreExact()
    {
        var histogram = new LatencyHistogram();
        for (long v = 0; v < 128; v++)
        {
            histogram.Record(v);
        }

        Assert.Equal(63, histogram.ValueAtPercentile(50));
        Assert.Equal(127, histogram.ValueAtPercentile(100));
        Assert.Equal(0, histogram.ValueAtPercentile(0));
    }

    [Fact]
    public void CountMaxMinAndMeanAreExact()
    {
        var histogram = new LatencyHistogram();
        long[] samples = [1_000, 2_000, 3_001, 123_457];
        foreach (var s in samples)
        {
            histogram.Record(s);
        }

        Assert.Equal(4, histogram.Count);
        Assert.Equal(123_457, histogram.MaxMicroseconds);
        Assert.Equal(1_000, histogram.MinMicroseconds);
        Assert.Equal(samples.Average(), histogram.MeanMicroseconds, 6);
    }

    [Fact]
    public void MergingHistogramsGivesTheSamePercentilesAsOneHistogramOfAllSamples()
    {
        var random = new Random(4);
        var all = new LatencyHistogram();
        var parts = new[] { new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram() };
        for (var i = 0; i < 30_000; i++)
        {
            var v = (long)random.Next(1, 5_000_000);
            all.Record(v);
            parts[i % 3].Record(v);
        }

        var merged = new LatencyHistogram();
        foreach (var part in parts)
        {
            merged.Add(part);
        }

        Assert.Equal(all.Count, merged.Count);
        Assert.Equal(all.MaxMicroseconds, merged.MaxMicroseconds);
        foreach (var p in s_percentiles)
        {
            Assert.Equal(all.ValueAtPercentile(p), merged.ValueAtPercentile(p));
        }
    }

    [Fact]
    public void RecordingFromManyThreadsLosesNoSample()
    {
        var histogram = new LatencyHistogram();

        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                histogram.Record(1 + (i % 1000));
            }
        });

        Assert.Equal(200_000, histogram.Count);
        Assert.Equal(1000, histogram.MaxMicroseconds);
    }

    [Fact]
    public void AnEmptyHistogramReportsZeros()
    {
        var summary = new LatencyHistogram().Summarize();

        Assert.Equal(new LatencySummary(0, 0, 0, 0, 0, 0), summary);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void APercentileOutside0To100IsRejected(double percentile)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyHistogram().ValueAtPercentile(percentile));
    }

    private static void AssertWithinStatedError(long[] samples)
    {
        var histogram = new LatencyHistogram();
        foreach (var s in samples)
        {
            histogram.Record(s);
        }

        var sorted = samples.Order().ToArray();
        foreach (var p in s_percentiles)
        {
            // Nearest rank: the smallest sample with at least p % of the samples at or below it.
            var rank = Math.Max(1, (long)Math.Ceiling(p / 100 * sorted.Length));
            var exact = sorted[rank - 1];
            var reported = histogram.ValueAtPercentile(p);
            var allowed = exact * LatencyHistogram.MaxRelativeError;
            Assert.True(Math.Abs(reported - exact) <= allowed, $"p{p}: reported {reported}, exact {exact}, allowed error {allowed}");
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
