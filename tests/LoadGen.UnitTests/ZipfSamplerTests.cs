using LoadGen.Workloads;

namespace LoadGen.UnitTests;

public class ZipfSamplerTests
{
    [Theory]
    [InlineData(100, 0.99)]
    [InlineData(100, 1.5)]
    [InlineData(50, 0.0)]
    public void DrawsFollowTheZipfDistributionByAChiSquareTest(int count, double skew)
    {
        var sampler = new ZipfSampler(count, skew);
        var random = new Random(12345);
        const int Draws = 200_000;
        var observed = new long[count + 1];
        for (var i = 0; i < Draws; i++)
        {
            observed[sampler.Next(random)]++;
        }

        double chiSquare = 0;
        for (var id = 1; id <= count; id++)
        {
            var expected = Draws * Exact(count, skew, id);
            chiSquare += (observed[id] - expected) * (observed[id] - expected) / expected;
        }

        // Critical value at a 0.1 % false-alarm rate (Wilson–Hilferty); the seed is fixed, so the test is deterministic.
        var critical = ChiSquareQuantile(count - 1, z: 3.09);
        Assert.True(chiSquare < critical, $"chi-square {chiSquare:F1} >= {critical:F1} for {count - 1} degrees of freedom");
    }

    [Fact]
    public void TheMostPopularProductsFollowTheRankFrequencyLaw()
    {
        var sampler = new ZipfSampler(10_000, 0.99);
        var random = new Random(7);
        var counts = new long[10_001];
        for (var i = 0; i < 500_000; i++)
        {
            counts[sampler.Next(random)]++;
        }

        // f(1) / f(r) = r^s: product 1 is about 9.8 times as popular as product 10.
        var ratio = (double)counts[1] / counts[10];
        Assert.InRange(ratio, Math.Pow(10, 0.99) * 0.9, Math.Pow(10, 0.99) * 1.1);
        Assert.True(counts[1] > counts[2] && counts[2] > counts[3] && counts[3] > counts[5]);
        Assert.Equal(Exact(10_000, 0.99, 1), sampler.Probability(1), 12);
    }

    [Fact]
    public void EveryDrawIsAnIdOfTheCatalog()
    {
        var sampler = new ZipfSampler(10, 0.99);
        var random = new Random(1);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.InRange(sampler.Next(random), 1, 10);
        }

        Assert.Equal(1, new ZipfSampler(1, 2).Next(random));
    }

    [Fact]
    public void ProbabilitiesSumToOne()
    {
        var sampler = new ZipfSampler(1000, 0.8);

        Assert.Equal(1.0, Enumerable.Range(1, 1000).Sum(sampler.Probability), 9);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(10, -0.1)]
    [InlineData(10, double.NaN)]
    [InlineData(10, double.PositiveInfinity)]
    public void InvalidParametersAreRejected(int count, double skew)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZipfSampler(count, skew));
    }

    private static double Exact(int count, double skew, int id)
    {
        var norm = Enumerable.Range(1, count).Sum(k => 1 / Math.Pow(k, skew));
        return 1 / Math.Pow(id, skew) / norm;
    }

    private static double ChiSquareQuantile(int degrees, double z)
    {
        var a = 2.0 / (9 * degrees);
        return degrees * Math.Pow(1 - a + (z * Math.Sqrt(a)), 3);
    }
}
