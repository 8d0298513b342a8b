using LoadGen.Workloads;

namespace LoadGen.UnitTests;

public class WorkloadTests
{
    private static readonly Workload s_valid = new() { BaseUrl = "http://127.0.0.1:8080" };

    [Fact]
    public void TheDefaultWorkloadWithABaseUrlIsValid()
    {
        Assert.Empty(s_valid.Validate());
        Assert.Equal(0.95, s_valid.ReadRatio);
        Assert.Equal(LoadMode.Open, s_valid.Mode);
    }

    public static TheoryData<Workload, string> InvalidWorkloads => new()
    {
        { s_valid with { BaseUrl = "127.0.0.1:8080" }, "baseUrl" },
        { s_valid with { BaseUrl = "ftp://127.0.0.1" }, "baseUrl" },
        { s_valid with { CatalogUrl = "not a url" }, "catalogUrl" },
        { s_valid with { Rate = 0 }, "rate" },
        { s_valid with { Rate = double.NaN }, "rate" },
        { s_valid with { Concurrency = 0 }, "concurrency" },
        { s_valid with { ReadRatio = 1.01 }, "readRatio" },
        { s_valid with { ReadRatio = -0.1 }, "readRatio" },
        { s_valid with { ZipfSkew = -1 }, "zipfSkew" },
        { s_valid with { ProductCount = 0 }, "productCount" },
        { s_valid with { DurationSeconds = -1 }, "durationSeconds" },
        { s_valid with { WarmupSeconds = double.PositiveInfinity }, "warmupSeconds" },
        { s_valid with { TimeoutSeconds = 0 }, "timeoutSeconds" },
        { s_valid with { Mode = (LoadMode)7 }, "mode" },
    };

    [Theory]
    [MemberData(nameof(InvalidWorkloads))]
    public void AnInvalidValueIsReportedUnderItsFieldName(Workload workload, string field)
    {
        var errors = workload.Validate();

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Key);
        Assert.False(string.IsNullOrWhiteSpace(error.Value[0]));
    }

    [Fact]
    public void AMissingBaseUrlIsAnErrorUnlessTheServiceSuppliesIt()
    {
        var workload = s_valid with { BaseUrl = null };

        Assert.Contains("baseUrl", workload.Validate().Keys);
        Assert.Empty(workload.Validate(requireBaseUrl: false));
    }

    [Fact]
    public void TheRateDoesNotMatterInClosedLoop()
    {
        Assert.Empty((s_valid with { Mode = LoadMode.Closed, Rate = 0 }).Validate());
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var errors = (s_valid with { Concurrency = -1, ReadRatio = 2, ZipfSkew = -1 }).Validate();

        Assert.Equal(["concurrency", "readRatio", "zipfSkew"], errors.Keys.Order());
    }
}
