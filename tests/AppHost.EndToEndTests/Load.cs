using LoadGen.Metrics;
using LoadGen.Running;
using LoadGen.Workloads;
using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

/// <summary>A bounded LoadGen load through the load balancer while a test changes the system.</summary>
public sealed class Load : IAsyncDisposable
{
    /// <summary>Products 1..this are LoadGen's; tests that check versions themselves use ids above it.</summary>
    public const int ProductCount = 2_000;

    private readonly CancellationTokenSource _stop = new();
    private readonly LoadRunner _runner;
    private readonly Task<RunSummary> _run;

    private Load(Uri loadBalancer, Uri catalogApi, string label)
    {
        var workload = new Workload
        {
            BaseUrl = loadBalancer.ToString().TrimEnd('/'),
            CatalogUrl = catalogApi.ToString().TrimEnd('/'),
            Mode = LoadMode.Open,
            Rate = 120,
            Concurrency = 16,
            ReadRatio = 0.9,
            ProductCount = ProductCount,
            DurationSeconds = 0,
            WarmupSeconds = 0,
            TimeoutSeconds = 15,
        };
        _runner = new LoadRunner(workload, label);
        _run = Task.Run(() => _runner.RunAsync(_stop.Token));
    }

    /// <summary>Starts the load and lets it run for a second, so the operation under test happens under it.</summary>
    public static Task<Load> StartAsync(SampleApp stack, string label) => StartAsync(stack.LoadBalancer, stack.CatalogApi, label);

    /// <summary>As <see cref="StartAsync(SampleApp, string)"/>, for an AppHost run as a process.</summary>
    public static async Task<Load> StartAsync(Uri loadBalancer, Uri catalogApi, string label)
    {
        var load = new Load(loadBalancer, catalogApi, label);
        await Task.Delay(TimeSpan.FromSeconds(1));
        return load;
    }

    /// <summary>Lets the load run a moment longer, stops it and returns its figures (also written to the test output).</summary>
    public async Task<RunSummary> StopAsync(ITestOutputHelper output, TimeSpan? after = null)
    {
        await Task.Delay(after ?? TimeSpan.FromSeconds(1));
        await _stop.CancelAsync();
        var summary = await _run;
        output.WriteLine($"LoadGen {summary.Label}: {summary.Reads} reads, {summary.Writes} writes in {summary.MeasuredSeconds:0.0} s, " +
            $"errors {summary.Errors} ({string.Join(", ", summary.ErrorsByKind.Select(e => $"{e.Key} {e.Value}"))}), " +
            $"stale {summary.StaleReads} ({summary.StalePercent:0.###} %), hit ratio {summary.HitRatio:0.###}, p99 {summary.Latency.P99:0.0} ms");
        return summary;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }
        await _runner.DisposeAsync();
        _stop.Dispose();
    }
}
