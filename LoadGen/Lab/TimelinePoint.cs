namespace LoadGen.Lab;

/// <summary>One second on the page's charts.</summary>
/// <param name="Time">When the second began, in Unix milliseconds (the charts' x).</param>
/// <param name="Topology">The topology at the end of the second.</param>
/// <param name="ReadsPerSecond">Successful reads.</param>
/// <param name="WritesPerSecond">Acknowledged writes.</param>
/// <param name="P50">Median latency in ms (null without requests).</param>
/// <param name="P99">99th percentile in ms (null without requests).</param>
/// <param name="HitRatio">Hits over reads, 0..1 (null without reads).</param>
/// <param name="StalePercent">Stale reads over reads, in percent (null without reads).</param>
/// <param name="Errors">Failed requests.</param>
/// <param name="DbCallsPerSecond">CatalogApi reads per second (null when not measured).</param>
public sealed record TimelinePoint(
    long Time,
    string Topology,
    long ReadsPerSecond,
    long WritesPerSecond,
    double? P50,
    double? P99,
    double? HitRatio,
    double? StalePercent,
    long Errors,
    double? DbCallsPerSecond);
