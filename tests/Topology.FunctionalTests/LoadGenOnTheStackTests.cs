using LoadGen.Metrics;
using LoadGen.Running;
using LoadGen.Workloads;
using Xunit.Abstractions;

namespace Topology.FunctionalTests;

/// <summary>
/// LoadGen's own acceptance on the real stack: what it reports without a cache and with one shared Redis.
/// A short run over a small catalog, so that "steady state" is reached within the warm-up on two cores.
/// </summary>
[Collection(SampleStackCollection.Name)]
public sealed class LoadGenOnTheStackTests(SampleStack stack, ITestOutputHelper output)
{
    [Fact]
    public async Task LoadGenSeesNoHitsWithoutACacheAndMostlyHitsWithOneSharedRedisWithNoStaleReadOrError()
    {
        await stack.SwitchAsync("none");
        var none = await RunAsync("none");
        await stack.SwitchAsync("single");
        var single = await RunAsync("single");

        Assert.Equal(0.0, none.HitRatio);
        Assert.True(single.HitRatio is > 0.8, $"hit ratio with one shared Redis at steady state was {single.HitRatio:0.000}");
        Assert.Equal(0, single.StaleReads);
        Assert.Equal(0, none.Errors + single.Errors);
        Assert.True(none.Reads > 0 && single.Reads > 0 && single.Writes > 0, "LoadGen measured nothing");
    }

    private async Task<RunSummary> RunAsync(string label)
    {
        var workload = new Workload
        {
            BaseUrl = stack.LoadBalancer.ToString().TrimEnd('/'),
            CatalogUrl = stack.CatalogApi.ToString().TrimEnd('/'),
            Mode = LoadMode.Open,
            Rate = 100,
            Concurrency = 16,
            ReadRatio = 0.95,
            ProductCount = 200,
            WarmupSeconds = 6,
            DurationSeconds = 6,
            TimeoutSeconds = 15,
        };
        await using var runner = new LoadRunner(workload, label);
        var summary = await runner.RunAsync(CancellationToken.None);
        output.WriteLine($"{label}: {summary.Reads} reads, {summary.Writes} writes, hit ratio {summary.HitRatio:0.000}, " +
            $"stale {summary.StaleReads}, errors {summary.Errors}, DB calls/s {summary.DbCallsPerSecond:0.0}, p99 {summary.Latency.P99:0.0} ms");
        return summary;
    }
}
