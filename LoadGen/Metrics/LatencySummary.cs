namespace LoadGen.Metrics;

/// <summary>Latency percentiles in milliseconds, read from a <see cref="LatencyHistogram"/>.</summary>
/// <param name="Count">The number of samples.</param>
/// <param name="P50">The median.</param>
/// <param name="P95">The 95th percentile.</param>
/// <param name="P99">The 99th percentile.</param>
/// <param name="Max">The largest sample (exact).</param>
/// <param name="Mean">The arithmetic mean.</param>
public sealed record LatencySummary(long Count, double P50, double P95, double P99, double Max, double Mean);
