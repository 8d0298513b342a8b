namespace LoadGen.Metrics;

/// <summary>The figures of one second of a run.</summary>
/// <param name="Second">Seconds since the measured window started (negative during the warm-up).</param>
/// <param name="Warmup">True when the second belongs to the warm-up (not counted in the run).</param>
/// <param name="ReadsPerSecond">Successful reads.</param>
/// <param name="WritesPerSecond">Acknowledged writes.</param>
/// <param name="Errors">Failed requests.</param>
/// <param name="Latency">Latency of successful requests in ms.</param>
/// <param name="HitRatio">Cache hits over successful reads (null without reads).</param>
/// <param name="StaleReads">Stale reads.</param>
/// <param name="DbCallsPerSecond">CatalogApi item + list reads per second (null when not measured).</param>
/// <param name="Replicas">Successful requests by replica.</param>
public sealed record SecondStats(
    int Second,
    bool Warmup,
    long ReadsPerSecond,
    long WritesPerSecond,
    long Errors,
    LatencySummary Latency,
    double? HitRatio,
    long StaleReads,
    double? DbCallsPerSecond,
    SortedDictionary<string, long> Replicas)
{
    /// <summary>Stale reads over successful reads of this second, in percent (null without reads).</summary>
    public double? StalePercent { get; init; }
}
