using LoadGen.Metrics;

namespace LoadGen.Telemetry;

/// <summary>
/// Sees every request of a run as it completes, beside the runner's own counters: the OpenTelemetry instruments and
/// the lab page's timeline hang here, so the runner's hot path knows neither.
/// </summary>
/// <remarks>Called concurrently by every virtual client: implementations must be thread-safe and must not block.</remarks>
public interface ILoadObserver
{
    /// <summary>A successful read.</summary>
    void OnRead(TimeSpan latency, CacheOutcome cache, bool stale, bool staleOwn);

    /// <summary>An acknowledged write.</summary>
    void OnWrite(TimeSpan latency);

    /// <summary>A failed request, by kind (<c>http-503</c>, <c>timeout</c>, ...).</summary>
    void OnError(bool isRead, string kind);

    /// <summary>CatalogApi served <paramref name="calls"/> more reads since its previous sample.</summary>
    void OnCatalogCalls(long calls);

    /// <summary>One second of the run ended; <paramref name="startedAt"/> is when it began (UTC).</summary>
    void OnSecond(SecondStats second, DateTimeOffset startedAt);
}
