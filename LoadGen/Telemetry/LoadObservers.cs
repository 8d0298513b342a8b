using LoadGen.Metrics;

namespace LoadGen.Telemetry;

/// <summary>Forwards to several observers in order (the instruments and the lab page).</summary>
public sealed class LoadObservers(params ILoadObserver[] observers) : ILoadObserver
{
    /// <inheritdoc />
    public void OnRead(TimeSpan latency, CacheOutcome cache, bool stale, bool staleOwn)
    {
        foreach (var o in observers)
        {
            o.OnRead(latency, cache, stale, staleOwn);
        }
    }

    /// <inheritdoc />
    public void OnWrite(TimeSpan latency)
    {
        foreach (var o in observers)
        {
            o.OnWrite(latency);
        }
    }

    /// <inheritdoc />
    public void OnError(bool isRead, string kind)
    {
        foreach (var o in observers)
        {
            o.OnError(isRead, kind);
        }
    }

    /// <inheritdoc />
    public void OnCatalogCalls(long calls)
    {
        foreach (var o in observers)
        {
            o.OnCatalogCalls(calls);
        }
    }

    /// <inheritdoc />
    public void OnSecond(SecondStats second, DateTimeOffset startedAt)
    {
        foreach (var o in observers)
        {
            o.OnSecond(second, startedAt);
        }
    }
}
