using System.Globalization;
using System.Text;
using LoadGen.Metrics;
using LoadGen.Telemetry;
using LoadGen.Workloads;

namespace LoadGen.Running;

/// <summary>
/// Runs one <see cref="Workload"/> against one base URL: <see cref="Workload.Concurrency"/> virtual clients send
/// reads and price writes through the load balancer while the runner measures every second and the whole window.
/// </summary>
/// <remarks>
/// Open loop: request k is due at start + k / rate. Each client claims the next due slot, waits for its time and
/// measures latency from that intended time, so when the system falls behind the wait shows up in the latency
/// instead of silently lowering the rate (coordinated omission). Closed loop: each client sends back to back.
/// </remarks>
public sealed partial class LoadRunner : IAsyncDisposable
{
    private const int HistorySeconds = 3600;

    private readonly Workload _workload;
    private readonly Uri _baseAddress;
    private readonly string _label;
    private readonly StaleReadDetector _detector;
    private readonly ZipfSampler _sampler;
    private readonly TimeProvider _time;
    private readonly ILoadObserver? _observer;
    private readonly HttpClient[] _clients;
    private readonly HttpClient? _catalogHttp;
    private readonly CatalogStatsClient? _catalog;
    private readonly RequestCounters _run = new();
    private readonly List<SecondStats> _seconds = [];
    private readonly Lock _secondsLock = new();
    private readonly double _ticksPerRequest;

    private Interval _current;
    private long _startTimestamp;
    private long _measureStartTimestamp;
    private long _endTimestamp = long.MaxValue;
    private long _stoppedTimestamp;
    private DateTimeOffset _measureStartedAt;
    private long _nextSlot;
    private volatile RunState _state = RunState.Idle;
    private DbSample? _dbAtMeasureStart;
    private DbSample? _dbLast;
    private double _dbLastRate = double.NaN;

    /// <summary>Prepares a run; nothing is sent until <see cref="RunAsync"/>.</summary>
    /// <param name="workload">A valid workload with a base URL (see <see cref="Workload.Validate"/>).</param>
    /// <param name="label">The run's name in reports.</param>
    /// <param name="detector">
    /// The stale-read detector; pass the same one to successive runs against the same system so that writes
    /// acknowledged in one run still count in the next. Null creates a fresh one.
    /// </param>
    /// <param name="time">The clock (tests may pass their own).</param>
    /// <param name="observer">Also told of every request and second (the OpenTelemetry instruments, the lab page).</param>
    public LoadRunner(Workload workload, string? label = null, StaleReadDetector? detector = null, TimeProvider? time = null, ILoadObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var errors = workload.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(
                "The workload is not valid: " + string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value[0]}")), nameof(workload));
        }

        if (detector is not null && detector.ProductCount < workload.ProductCount)
        {
            throw new ArgumentException($"The detector tracks {detector.ProductCount} products but the workload reads {workload.ProductCount}.", nameof(detector));
        }

        _workload = workload;
        _baseAddress = WithTrailingSlash(workload.BaseUrl!);
        _label = label ?? workload.BaseUrl!;
        _detector = detector ?? new StaleReadDetector(workload.ProductCount);
        _sampler = new ZipfSampler(workload.ProductCount, workload.ZipfSkew);
        _time = time ?? TimeProvider.System;
        _observer = observer;
        _ticksPerRequest = workload.Mode == LoadMode.Open ? _time.TimestampFrequency / workload.Rate : 0;
        _current = new Interval(0, default);
        _clients = CreateClients(workload, _baseAddress);
        if (workload.CatalogUrl is not null)
        {
            _catalogHttp = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false })
            {
                BaseAddress = WithTrailingSlash(workload.CatalogUrl),
                Timeout = TimeSpan.FromSeconds(2),
            };
            _catalog = new CatalogStatsClient(_catalogHttp);
        }
    }

    /// <summary>Where the run is.</summary>
    public RunState State => _state;

    /// <summary>The workload being run.</summary>
    public Workload Workload => _workload;

    /// <summary>The detector this run feeds.</summary>
    public StaleReadDetector Detector => _detector;

    /// <summary>
    /// Sends the workload until its duration has elapsed after the warm-up (or until <paramref name="cancellationToken"/>
    /// is cancelled, which is how a run without duration ends) and returns the measured figures.
    /// </summary>
    public async Task<RunSummary> RunAsync(CancellationToken cancellationToken = default)
    {
        if (_state != RunState.Idle)
        {
            throw new InvalidOperationException("A LoadRunner runs once; create a new one for the next run.");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_workload.WarmupSeconds == 0)
        {
            // Without a warm-up the measured window starts now: read CatalogApi's counters before the clock starts,
            // so the first requests are not scheduled behind this call.
            await SampleDatabaseAsync(stop.Token);
        }

        var frequency = _time.TimestampFrequency;
        _startTimestamp = _time.GetTimestamp();
        _measureStartTimestamp = _startTimestamp + (long)(_workload.WarmupSeconds * frequency);
        _measureStartedAt = _time.GetUtcNow() + _workload.Warmup;
        if (_workload.DurationSeconds > 0)
        {
            _endTimestamp = _measureStartTimestamp + (long)(_workload.DurationSeconds * frequency);
        }

        _current = new Interval(_startTimestamp, _time.GetUtcNow());
        _state = _workload.WarmupSeconds > 0 ? RunState.Warmup : RunState.Running;

        var ticker = TickAsync(stop.Token);
        var workers = new Task[_workload.Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            var index = i;
            workers[i] = Task.Run(() => WorkerAsync(index, stop.Token), CancellationToken.None);
        }

        await Task.WhenAll(workers);
        _stoppedTimestamp = Math.Min(_time.GetTimestamp(), _endTimestamp);
        var completed = !cancellationToken.IsCancellationRequested;
        await stop.CancelAsync();
        await ticker;

        // One last read of CatalogApi so the database rate covers the whole window, whatever the ticker last saw.
        using var lastRead = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await SampleDatabaseAsync(lastRead.Token);
        PublishInterval(Interlocked.Exchange(ref _current, new Interval(_time.GetTimestamp(), _time.GetUtcNow())));
        _state = completed && _workload.DurationSeconds > 0 ? RunState.Completed : RunState.Stopped;
        return Summarize();
    }

    /// <summary>The live view: state, the last <paramref name="seconds"/> seconds, and the measured window so far.</summary>
    public LiveStats GetLiveStats(int seconds = 10)
    {
        List<SecondStats> last;
        lock (_secondsLock)
        {
            var count = Math.Clamp(seconds, 0, _seconds.Count);
            last = _seconds.GetRange(_seconds.Count - count, count);
        }

        var state = _state;
        if (state == RunState.Warmup && _time.GetTimestamp() >= _measureStartTimestamp)
        {
            state = RunState.Running;
        }

        var elapsed = state == RunState.Idle ? 0 : _time.GetElapsedTime(_startTimestamp, StopOrNow()).TotalSeconds;
        var run = state is RunState.Idle or RunState.Warmup ? null : Summarize();
        return new LiveStats(state, _workload, elapsed, last, run);
    }

    /// <summary>The measured window's figures so far (final once <see cref="RunAsync"/> has returned).</summary>
    public RunSummary Summarize()
    {
        var end = StopOrNow();
        var measured = Math.Max(0, _time.GetElapsedTime(_measureStartTimestamp, Math.Min(end, _endTimestamp)).TotalSeconds);
        var reads = _run.Reads;
        var writes = _run.Writes;
        return new RunSummary
        {
            Label = _label,
            Workload = _workload,
            StartedAt = _measureStartedAt,
            MeasuredSeconds = Math.Round(measured, 3),
            Reads = reads,
            Writes = writes,
            ReadsPerSecond = measured > 0 ? Math.Round(reads / measured, 1) : 0,
            WritesPerSecond = measured > 0 ? Math.Round(writes / measured, 1) : 0,
            Latency = Round(_run.Latency.Summarize()),
            HitRatio = reads > 0 ? Math.Round((double)_run.Hits / reads, 4) : null,
            StaleReads = _run.StaleReads,
            StalePercent = reads > 0 ? Math.Round(100.0 * _run.StaleReads / reads, 3) : null,
            StaleOwnReads = _run.StaleOwnReads,
            MaxStalenessMs = Math.Round(_run.MaxStalenessAge.TotalMilliseconds, 2),
            Errors = _run.ReadErrors + _run.WriteErrors,
            ErrorsByKind = _run.ErrorsByKind(),
            DbCallsPerSecond = DatabaseRate(),
            Replicas = _run.RequestsByReplica(),
        };
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Distinct())
        {
            client.Dispose();
        }

        _catalogHttp?.Dispose();
        return ValueTask.CompletedTask;
    }

    private long StopOrNow() => _stoppedTimestamp != 0 ? _stoppedTimestamp : _time.GetTimestamp();

    private double? DatabaseRate()
    {
        if (_dbAtMeasureStart is not { } first || _dbLast is not { } last || last.Timestamp <= first.Timestamp)
        {
            return null;
        }

        var seconds = _time.GetElapsedTime(first.Timestamp, last.Timestamp).TotalSeconds;
        return Math.Round((last.Calls - first.Calls) / seconds, 1);
    }

    private static LatencySummary Round(LatencySummary s) =>
        new(s.Count, Math.Round(s.P50, 3), Math.Round(s.P95, 3), Math.Round(s.P99, 3), Math.Round(s.Max, 3), Math.Round(s.Mean, 3));

    private static Uri WithTrailingSlash(string url) => new(url.EndsWith('/') ? url : url + "/", UriKind.Absolute);

    private static HttpClient[] CreateClients(Workload workload, Uri baseAddress)
    {
        var timeout = TimeSpan.FromSeconds(workload.TimeoutSeconds);
        HttpClient Create(int connections, bool cookies) => new(new SocketsHttpHandler
        {
            // One connection per virtual client: the pool never makes a client wait for a socket.
            MaxConnectionsPerServer = connections,
            // Each handler has its own cookie container; without stickiness no cookie is kept at all.
            UseCookies = cookies,
            ConnectTimeout = timeout,
            // Traffic goes to loopback; a proxy from the environment must never sit in the measured path.
            UseProxy = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = timeout,
            DefaultRequestHeaders = { { "User-Agent", "LoadGen" }, { "Accept", "application/json" } },
        };

        if (workload.Sticky)
        {
            // Each virtual client is a browser of its own: its cookies (a sticky LB's) and its own connection.
            var clients = new HttpClient[workload.Concurrency];
            for (var i = 0; i < clients.Length; i++)
            {
                clients[i] = Create(1, cookies: true);
            }

            return clients;
        }

        var shared = Create(workload.Concurrency, cookies: false);
        return Enumerable.Repeat(shared, workload.Concurrency).ToArray();
    }

    private static StringContent PriceBody(Random random)
    {
        var price = Math.Round(1 + (random.NextDouble() * 999), 2);
        var json = "{\"price\":" + price.ToString("0.00", CultureInfo.InvariantCulture) + "}";
        return new StringContent(json, Encoding.UTF8, "application/json");
    }

    // A class, so that the live view reading it while the ticker replaces it never sees half of one.
    private sealed record DbSample(long Calls, long Timestamp);

    /// <summary>The counters of one second, with when it started.</summary>
    private sealed class Interval(long startTimestamp, DateTimeOffset startedAt)
    {
        public RequestCounters Counters { get; } = new();

        public long StartTimestamp { get; } = startTimestamp;

        public DateTimeOffset StartedAt { get; } = startedAt;
    }
}
