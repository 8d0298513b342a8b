using System.Net;
using System.Net.Sockets;
using LoadGen.Metrics;
using LoadGen.Running;
using LoadGen.Workloads;

namespace LoadGen.FunctionalTests;

/// <summary>LoadGen against a real local HTTP server that simulates WebFrontend's contract (see <see cref="FakeStorefront"/>).</summary>
public class LoadRunnerTests
{
    private static Workload Short(FakeStorefront fake) => new()
    {
        BaseUrl = fake.BaseUrl,
        CatalogUrl = fake.BaseUrl,
        DurationSeconds = 2,
        WarmupSeconds = 0.5,
        Rate = 300,
        Concurrency = 8,
        ReadRatio = 0.8,
        // Few products and many writes: every product is written several times per run.
        ProductCount = 50,
        ZipfSkew = 0.99,
        TimeoutSeconds = 5,
    };

    private static async Task<RunSummary> RunAsync(Workload workload)
    {
        await using var runner = new LoadRunner(workload);
        return await runner.RunAsync();
    }

    [Fact]
    public async Task AConsistentSystemShowsNoStaleReadsNoErrorsAndEveryReplica()
    {
        await using var fake = await FakeStorefront.StartAsync();

        var run = await RunAsync(Short(fake));

        Assert.Equal(0, run.Errors);
        Assert.True(run.Reads > 0 && run.Writes > 0, $"reads {run.Reads}, writes {run.Writes}");
        Assert.Equal(0, run.StaleReads);
        Assert.Equal(["web-0", "web-1", "web-2"], run.Replicas.Keys);
        Assert.InRange(run.HitRatio!.Value, 0.3, 1.0);
        Assert.NotNull(run.DbCallsPerSecond);
        // Each request makes at most one CatalogApi call (a read miss or a write), so DB calls/s stays within the
        // request rate; CatalogApi's counters are sampled at slightly different moments than LoadGen's own, hence
        // the margin (reads alone are not a bound: misses plus writes can exceed them).
        Assert.InRange(run.DbCallsPerSecond!.Value, 1, (run.ReadsPerSecond + run.WritesPerSecond) * 1.5);
        Assert.True(run.Latency.Count == run.Reads + run.Writes);
    }

    [Fact]
    public async Task AReplicaWithItsOwnUninvalidatedCacheIsCaughtServingStaleReads()
    {
        await using var fake = await FakeStorefront.StartAsync(new FakeStorefrontOptions { StaleLastReplica = true });

        var run = await RunAsync(Short(fake));

        Assert.Equal(0, run.Errors);
        Assert.True(run.StaleReads > 0, "the stale replica was not detected");
        Assert.True(run.StalePercent > 0);
        Assert.True(run.MaxStalenessMs > 0);
    }

    [Fact]
    public async Task WithoutACacheEveryReadIsABypassAndReachesTheDatabase()
    {
        await using var fake = await FakeStorefront.StartAsync(new FakeStorefrontOptions { Cache = false });

        var run = await RunAsync(Short(fake));

        Assert.Equal(0, run.HitRatio);
        Assert.Equal(0, run.StaleReads);
        // Every read and every write loads the row once.
        Assert.InRange(run.DbCallsPerSecond!.Value, run.ReadsPerSecond * 0.7, (run.ReadsPerSecond + run.WritesPerSecond) * 1.3);
    }

    [Fact]
    public async Task FailedWritesAreCountedByStatusAndNeverAcknowledged()
    {
        await using var fake = await FakeStorefront.StartAsync(new FakeStorefrontOptions { FailingWriteRatio = 0.5 });

        var run = await RunAsync(Short(fake) with { ReadRatio = 0.5 });

        Assert.True(fake.FailedWrites > 0);
        Assert.True(run.ErrorsByKind.GetValueOrDefault("http-503") > 0);
        Assert.Equal(["http-503"], run.ErrorsByKind.Keys);
        // The 503 bodies carry a higher version; had LoadGen acknowledged them, fresh reads would look stale.
        Assert.Equal(0, run.StaleReads);
    }

    [Fact]
    public async Task StickyClientsSeeTheirOwnWritesButNotTheWritesOfOthers()
    {
        await using var fake = await FakeStorefront.StartAsync(new FakeStorefrontOptions { StaleLastReplica = true, StickyCookie = true });

        var sticky = await RunAsync(Short(fake) with { Sticky = true });
        var roundRobin = await RunAsync(Short(fake) with { Sticky = false });

        Assert.Equal(0, sticky.Errors);
        Assert.Equal(3, sticky.Replicas.Count);
        Assert.True(sticky.StaleReads > 0, "other clients' writes should be missed by the replica with its own cache");
        Assert.Equal(0, sticky.StaleOwnReads);
        Assert.True(roundRobin.StaleOwnReads > 0, "without stickiness a client's own write should sometimes be missed");
    }

    [Fact]
    public async Task OpenLoopLatencyIncludesTheQueueingThatClosedLoopHides()
    {
        // One request at a time, 20 ms each: at most 50 requests/s.
        await using var fake = await FakeStorefront.StartAsync(new FakeStorefrontOptions { SerializedServiceTime = TimeSpan.FromMilliseconds(20) });
        var workload = Short(fake) with { WarmupSeconds = 0, Concurrency = 4, Rate = 100 };

        var open = await RunAsync(workload with { Mode = LoadMode.Open });
        var closed = await RunAsync(workload with { Mode = LoadMode.Closed });

        // Asking for twice the capacity: requests fall further and further behind their intended start, which the
        // open loop counts; the closed loop only ever sees its own 4 requests queued.
        Assert.True(open.Latency.P50 > 3 * closed.Latency.P50, $"open p50 {open.Latency.P50} ms, closed p50 {closed.Latency.P50} ms");
        Assert.Equal(0, open.Errors);
    }

    [Fact]
    public async Task SlowResponsesAreCountedAsTimeouts()
    {
        await using var fake = await FakeStorefront.StartAsync(new FakeStorefrontOptions { SlowProduct = (1, TimeSpan.FromSeconds(5)) });

        var run = await RunAsync(Short(fake) with { ProductCount = 2, ZipfSkew = 0, ReadRatio = 1, Rate = 30, Concurrency = 16, DurationSeconds = 1.5, TimeoutSeconds = 0.5 });

        Assert.True(run.ErrorsByKind.GetValueOrDefault("timeout") > 0, string.Join(", ", run.ErrorsByKind));
        Assert.True(run.Reads > 0, $"reads {run.Reads}, errors {string.Join(", ", run.ErrorsByKind)}, measured {run.MeasuredSeconds} s");
    }

    [Fact]
    public async Task AClosedPortIsCountedAsConnectionRefused()
    {
        var port = FreePort();

        var run = await RunAsync(new Workload { BaseUrl = $"http://127.0.0.1:{port}", DurationSeconds = 1, WarmupSeconds = 0, Rate = 50, Concurrency = 2 });

        Assert.Equal(0, run.Reads);
        Assert.True(run.ErrorsByKind.GetValueOrDefault("connection-refused") > 0, string.Join(", ", run.ErrorsByKind));
        Assert.Equal(["connection-refused"], run.ErrorsByKind.Keys);
    }

    [Fact]
    public async Task StoppingARunEndsItWithTheFiguresMeasuredSoFar()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var runner = new LoadRunner(Short(fake) with { DurationSeconds = 0, WarmupSeconds = 0 });
        using var stop = new CancellationTokenSource();

        var running = runner.RunAsync(stop.Token);
        await WaitUntilAsync(() => runner.GetLiveStats().LastSeconds.Count >= 1);
        await stop.CancelAsync();
        var run = await running;

        Assert.Equal(RunState.Stopped, runner.State);
        Assert.True(run.Reads > 0);
        Assert.Equal(0, run.Errors);
        Assert.True(run.MeasuredSeconds > 0);
    }

    internal static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            await Task.Delay(100, timeout.Token);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
