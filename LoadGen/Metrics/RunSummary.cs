using LoadGen.Workloads;

namespace LoadGen.Metrics;

/// <summary>The figures of a measured run (the warm-up excluded).</summary>
public sealed record RunSummary
{
    /// <summary>The name of the run in a comparison (the topology or the base URL).</summary>
    public required string Label { get; init; }

    /// <summary>The workload that was run.</summary>
    public required Workload Workload { get; init; }

    /// <summary>When the measured window started (UTC).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Length of the measured window in seconds.</summary>
    public required double MeasuredSeconds { get; init; }

    /// <summary>Successful reads.</summary>
    public required long Reads { get; init; }

    /// <summary>Acknowledged writes.</summary>
    public required long Writes { get; init; }

    /// <summary>Successful reads per second.</summary>
    public required double ReadsPerSecond { get; init; }

    /// <summary>Acknowledged writes per second.</summary>
    public required double WritesPerSecond { get; init; }

    /// <summary>Latency of successful requests in ms (p50/p95/p99 within 0.4 %, max exact).</summary>
    public required LatencySummary Latency { get; init; }

    /// <summary><c>X-Cache: hit</c> over successful reads (bypass and miss are not hits); null without reads.</summary>
    public required double? HitRatio { get; init; }

    /// <summary>Reads that returned an older version than a write acknowledged before they started.</summary>
    public required long StaleReads { get; init; }

    /// <summary>Stale reads over successful reads, in percent; null without reads.</summary>
    public required double? StalePercent { get; init; }

    /// <summary>Stale reads that missed the reading client's own write (what sticky sessions should bring to 0).</summary>
    public required long StaleOwnReads { get; init; }

    /// <summary>The longest time after a write's acknowledgement that a read still missed it, in ms.</summary>
    public required double MaxStalenessMs { get; init; }

    /// <summary>Failed requests (reads and writes).</summary>
    public required long Errors { get; init; }

    /// <summary>Failed requests by kind: <c>http-NNN</c>, <c>timeout</c>, <c>connection-refused</c>, ...</summary>
    public required SortedDictionary<string, long> ErrorsByKind { get; init; }

    /// <summary>CatalogApi item + list reads per second over the window: the load that reached the database.</summary>
    public required double? DbCallsPerSecond { get; init; }

    /// <summary>Successful requests by replica (<c>X-Served-By</c>).</summary>
    public required SortedDictionary<string, long> Replicas { get; init; }
}
