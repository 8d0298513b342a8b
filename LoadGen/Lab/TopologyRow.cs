namespace LoadGen.Lab;

/// <summary>The page's table: everything measured while one topology was in use.</summary>
/// <param name="Topology">The topology.</param>
/// <param name="Seconds">Seconds with traffic.</param>
/// <param name="Reads">Successful reads.</param>
/// <param name="ReadsPerSecond">Reads over those seconds.</param>
/// <param name="P50">Median latency in ms.</param>
/// <param name="P99">99th percentile in ms.</param>
/// <param name="HitRatio">Hits over reads.</param>
/// <param name="StalePercent">Stale reads over reads, in percent.</param>
/// <param name="StaleReads">Stale reads.</param>
/// <param name="Errors">Failed requests.</param>
/// <param name="DbCallsPerSecond">Mean CatalogApi reads per second.</param>
public sealed record TopologyRow(
    string Topology,
    long Seconds,
    long Reads,
    double ReadsPerSecond,
    double? P50,
    double? P99,
    double? HitRatio,
    double? StalePercent,
    long StaleReads,
    long Errors,
    double? DbCallsPerSecond);
