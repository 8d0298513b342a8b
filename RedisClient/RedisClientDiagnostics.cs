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

    /// <summary>Near-cache reads served from the local copy (tag redisclient.near_cache.mode).</summary>
    internal static readonly Counter<long> NearCacheHits = Meter.CreateCounter<long>(
        "redisclient.near_cache.hits", "{read}", "Near-cache reads served from the local copy.");

    /// <summary>Near-cache reads whose value came from the server (no copy, or the copy was out of date).</summary>
    internal static readonly Counter<long> NearCacheMisses = Meter.CreateCounter<long>(
        "redisclient.near_cache.misses", "{read}", "Near-cache reads whose value came from the server.");

    /// <summary>Local copies dropped to stay within MaxEntries/MaxBytes.</summary>
    internal static readonly Counter<long> NearCacheEvictions = Meter.CreateCounter<long>(
        "redisclient.near_cache.evictions", "{entry}", "Near-cache entries evicted to stay within the bounds.");

    /// <summary>Local copies dropped because the value changed (a write, an out-of-date check, a server invalidation, a flush).</summary>
    internal static readonly Counter<long> NearCacheInvalidations = Meter.CreateCounter<long>(
        "redisclient.near_cache.invalidations", "{entry}", "Near-cache entries dropped because the value changed or could have.");

    /// <summary>Bytes held by near caches (values, keys, per-entry overhead).</summary>
    internal static readonly UpDownCounter<long> NearCacheBytes = Meter.CreateUpDownCounter<long>(
        "redisclient.near_cache.bytes", "By", "Bytes held by near caches.");

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
