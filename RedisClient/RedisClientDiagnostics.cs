using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RedisClient;

/// <summary>
/// The names to enable in OpenTelemetry: <c>AddSource(RedisClientDiagnostics.ActivitySourceName)</c> and
/// <c>AddMeter(RedisClientDiagnostics.MeterName)</c>. One client span per command, following the OpenTelemetry
/// database conventions (db.system.name, db.operation.name, server.address, server.port); values and keys are
/// never recorded.
/// </summary>
public static class RedisClientDiagnostics
{
    /// <summary>The ActivitySource name.</summary>
    public const string ActivitySourceName = "RedisClient";

    /// <summary>The Meter name.</summary>
    public const string MeterName = "RedisClient";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName, "1.0.0");

    internal static readonly Meter Meter = new(MeterName, "1.0.0");

    /// <summary>Seconds from the call to the reply (or the error), per command.</summary>
    internal static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "db.client.operation.duration", "s", "Duration of Redis commands, from the call to the reply.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] });

    /// <summary>Commands that failed (server error, timeout, lost connection, cancelled).</summary>
    internal static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "redisclient.command.errors", "{error}", "Redis commands that ended with an error.");

    internal static Activity? StartCommand(string operation)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var activity = ActivitySource.StartActivity(operation, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("db.system.name", "redis");
            activity.SetTag("db.operation.name", operation);
        }

        return activity;
    }
}
