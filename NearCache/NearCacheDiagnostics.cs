using System.Diagnostics.Metrics;

namespace NearCaching;

/// <summary>
/// The near cache's metrics, for OpenTelemetry (<c>.AddMeter(NearCacheDiagnostics.MeterName)</c>): reads by where
/// their value came from, invalidations and flushes, tagged with the mode. The same figures, per instance, are in
/// <see cref="NearCache.GetStatistics"/>. Local reads make no round trip, so no Redis span shows them: these counters do.
/// </summary>
public static class NearCacheDiagnostics
{
    /// <summary>The name of the <see cref="Meter"/>.</summary>
    public const string MeterName = "NearCache";

    private static readonly Meter s_meter = new(MeterName);

    internal static readonly Counter<long> Reads = s_meter.CreateCounter<long>(
        "nearcache.reads", "{read}", "Reads through a near cache; nearcache.source says whether the local copy was served (local) or the server's value (server).");

    internal static readonly Counter<long> Invalidations = s_meter.CreateCounter<long>(
        "nearcache.invalidations", "{copy}", "Local copies dropped because their key changed.");

    internal static readonly Counter<long> Flushes = s_meter.CreateCounter<long>(
        "nearcache.flushes", "{flush}", "Times every local copy was dropped at once (tracking lost or re-armed, FLUSHALL, Clear).");
}
