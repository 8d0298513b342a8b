using LoadGen.Metrics;
using LoadGen.Running;
using LoadGen.Telemetry;
using LoadGen.Workloads;

namespace LoadGen.Api;

/// <summary>
/// The one run the LoadGen service drives at a time: start, stop, replace the workload, read live figures.
/// The stale-read detector outlives runs against the same base URL, so a write acknowledged in one run still makes
/// a stale read in the next one count.
/// </summary>
public sealed class LoadService(Workload defaults, ILogger<LoadService> logger, ILoadObserver? observer = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LoadRunner? _runner;
    private Task<RunSummary>? _run;
    private CancellationTokenSource? _stop;
    private StaleReadDetector? _detector;
    private string? _detectorBaseUrl;

    /// <summary>The workload a start without body runs: configuration (<c>LoadGen:Workload</c>) and the LB's URL.</summary>
    public Workload Defaults { get; private set; } = defaults;

    /// <summary>True while a run is in progress.</summary>
    public bool IsRunning => _run is { IsCompleted: false };

    /// <summary>Starts <paramref name="workload"/>; false when a run is already in progress.</summary>
    public async Task<bool> StartAsync(Workload workload)
    {
        await _gate.WaitAsync();
        try
        {
            if (IsRunning)
            {
                return false;
            }

            await StartCoreAsync(workload);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Makes <paramref name="workload"/> the default and, when a run is in progress, restarts it with it.</summary>
    public async Task ReplaceAsync(Workload workload)
    {
        await _gate.WaitAsync();
        try
        {
            Defaults = workload;
            if (IsRunning)
            {
                await StopCoreAsync();
                await StartCoreAsync(workload);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the run in progress and returns its figures; null when nothing was running.</summary>
    public async Task<RunSummary?> StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return IsRunning ? await StopCoreAsync() : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The live figures of the current (or last) run.</summary>
    public LiveStats GetStats(int seconds) =>
        _runner?.GetLiveStats(seconds) ?? new LiveStats(RunState.Idle, null, 0, [], null);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            await StopCoreAsync();
        }

        if (_runner is not null)
        {
            await _runner.DisposeAsync();
        }
    }

    private async Task StartCoreAsync(Workload workload)
    {
        if (_runner is not null)
        {
            await _runner.DisposeAsync();
        }

        if (_detector is null || _detectorBaseUrl != workload.BaseUrl || _detector.ProductCount < workload.ProductCount)
        {
            _detector = new StaleReadDetector(workload.ProductCount);
            _detectorBaseUrl = workload.BaseUrl;
        }

        _stop = new CancellationTokenSource();
        _runner = new LoadRunner(workload, workload.BaseUrl, _detector, observer: observer);
        var runner = _runner;
        var token = _stop.Token;
        logger.LogInformation("Load started against {BaseUrl}: {Mode} loop, rate {Rate}/s, concurrency {Concurrency}, reads {ReadRatio}, zipf {Skew}",
            workload.BaseUrl, workload.Mode, workload.Rate, workload.Concurrency, workload.ReadRatio, workload.ZipfSkew);
        _run = Task.Run(async () =>
        {
            var summary = await runner.RunAsync(token);
            logger.LogInformation("Load ended: {Reads:F0} reads/s, {Writes:F0} writes/s, p99 {P99} ms, hit ratio {Hit}, stale {Stale} %, errors {Errors}",
                summary.ReadsPerSecond, summary.WritesPerSecond, summary.Latency.P99, summary.HitRatio, summary.StalePercent, summary.Errors);
            return summary;
        }, CancellationToken.None);
    }

    private async Task<RunSummary> StopCoreAsync()
    {
        await _stop!.CancelAsync();
        var summary = await _run!;
        _stop.Dispose();
        return summary;
    }
}
