using System.Diagnostics;
using System.Diagnostics.Metrics;
using LoadGen.Metrics;

namespace LoadGen.Telemetry;

/// <summary>
/// LoadGen's measurements as OpenTelemetry instruments (meter <see cref="MeterName"/>), each tagged with the topology
/// the sample runs when the request completed, so the Aspire dashboard can split every chart by topology.
/// </summary>
public sealed class LoadGenMetrics : ILoadObserver, IDisposable
{
    /// <summary>The meter's name, after the sample.</summary>
    public const string MeterName = "ScalingRedis.LoadGen";

    /// <summary>The tag carrying the topology (<c>none</c>, <c>single</c>, <c>naive</c>, ...; <c>unknown</c> without a control API).</summary>
    public const string TopologyTag = "topology";

    // Boundaries in seconds, dense below 10 ms where loopback requests are: the SDK's defaults (0, 5, 10, 25, ... 10000)
    // assume milliseconds, and in seconds every request would fall into the first bucket.
    private static readonly double[] s_latencyBuckets =
        [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly TopologyTracker _topology;
    private readonly Counter<long> _reads;
    private readonly Counter<long> _writes;
    private readonly Counter<long> _staleReads;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;
    private readonly Counter<long> _cacheBypasses;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _catalogCalls;

    /// <summary>Creates the instruments.</summary>
    /// <param name="topology">Where the topology tag comes from.</param>
    /// <param name="meterFactory">The host's factory (so the meter is disposed with the host); null creates a meter of its own.</param>
    public LoadGenMetrics(TopologyTracker topology, IMeterFactory? meterFactory = null)
    {
        _topology = topology;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _reads = _meter.CreateCounter<long>("loadgen.reads", "{read}", "Successful product reads through the load balancer (GET /api/products/{id} answered 200 with a version).");
        _writes = _meter.CreateCounter<long>("loadgen.writes", "{write}", "Acknowledged price writes (PUT /api/products/{id}/price answered 200 with the new version).");
        _staleReads = _meter.CreateCounter<long>("loadgen.stale_reads", "{read}", "Reads that started after a write of the product was acknowledged and returned an older version. Tag own=true: the reader's own write.");
        _cacheHits = _meter.CreateCounter<long>("loadgen.cache.hits", "{read}", "Reads answered X-Cache: hit.");
        _cacheMisses = _meter.CreateCounter<long>("loadgen.cache.misses", "{read}", "Reads answered X-Cache: miss (read from CatalogApi, then cached).");
        _cacheBypasses = _meter.CreateCounter<long>("loadgen.cache.bypasses", "{read}", "Reads answered X-Cache: bypass (no cache in the path).");
        _errors = _meter.CreateCounter<long>("loadgen.errors", "{request}", "Failed requests by kind (error.type: http-503, timeout, connection-refused, ...) and operation (read, write).");
        _duration = _meter.CreateHistogram("loadgen.request.duration", "s",
            "Latency of successful requests, measured at LoadGen through the load balancer (open loop: from the intended start).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_latencyBuckets });
        _catalogCalls = _meter.CreateCounter<long>("loadgen.catalogapi.calls", "{call}", "Reads CatalogApi served (its item + list read counters): the load that reached the database.");
    }

    /// <inheritdoc />
    public void OnRead(TimeSpan latency, CacheOutcome cache, bool stale, bool staleOwn)
    {
        var topology = new KeyValuePair<string, object?>(TopologyTag, _topology.Current);
        _reads.Add(1, topology);
        _duration.Record(latency.TotalSeconds, topology, new KeyValuePair<string, object?>("operation", "read"));
        switch (cache)
        {
            case CacheOutcome.Hit:
                _cacheHits.Add(1, topology);
                break;
            case CacheOutcome.Miss:
                _cacheMisses.Add(1, topology);
                break;
            case CacheOutcome.Bypass:
                _cacheBypasses.Add(1, topology);
                break;
        }

        if (stale)
        {
            _staleReads.Add(1, topology, new KeyValuePair<string, object?>("own", staleOwn));
        }
    }

    /// <inheritdoc />
    public void OnWrite(TimeSpan latency)
    {
        var topology = new KeyValuePair<string, object?>(TopologyTag, _topology.Current);
        _writes.Add(1, topology);
        _duration.Record(latency.TotalSeconds, topology, new KeyValuePair<string, object?>("operation", "write"));
    }

    /// <inheritdoc />
    public void OnError(bool isRead, string kind)
    {
        var tags = new TagList
        {
            { TopologyTag, _topology.Current },
            { "error.type", kind },
            { "operation", isRead ? "read" : "write" },
        };
        _errors.Add(1, tags);
    }

    /// <inheritdoc />
    public void OnCatalogCalls(long calls)
    {
        // CatalogApi's counters restart with it; a negative growth is a restart, not negative load.
        if (calls > 0)
        {
            _catalogCalls.Add(calls, new KeyValuePair<string, object?>(TopologyTag, _topology.Current));
        }
    }

    /// <inheritdoc />
    public void OnSecond(SecondStats second, DateTimeOffset startedAt)
    {
        // The instruments are cumulative: the per-second view is the dashboard's (rate over the export interval).
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
