using System.Diagnostics.Metrics;

namespace NetworkEmulation;

/// <summary>
/// The emulator's instruments, on the meter <see cref="MeterName"/> (so OpenTelemetry exports them with
/// <c>AddMeter(NetworkMetrics.MeterName)</c>); every measurement carries the link's name and its direction.
/// </summary>
public static class NetworkMetrics
{
    /// <summary>The name of the emulator's meter.</summary>
    public const string MeterName = "ScalingRedis.Network";

    private static readonly Meter s_meter = new(MeterName);

    /// <summary>Bytes forwarded, per link and direction.</summary>
    internal static readonly Counter<long> Bytes = s_meter.CreateCounter<long>(
        "network.link.bytes", "By", "Bytes an emulated link forwarded");

    /// <summary>Time a chunk waited for its link to be free: the queue of a switch, before transmission and delay.</summary>
    internal static readonly Histogram<double> QueuedDelay = s_meter.CreateHistogram<double>(
        "network.link.queued_delay", "s", "Time a chunk waited for its link to be free (a switch's queue), before its transmission time and the one-way delay");

    /// <summary>How late a chunk left after its due time: the emulator's own error.</summary>
    internal static readonly Histogram<double> Lateness = s_meter.CreateHistogram<double>(
        "network.link.lateness", "s", "How late the emulator forwarded a chunk after its due time (its own timing error)");
}
