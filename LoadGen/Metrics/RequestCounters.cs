using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace LoadGen.Metrics;

/// <summary>
/// Counters of one window (one second, or the whole measured run), recorded concurrently by every virtual client
/// without locks: <see cref="Interlocked"/> increments, and dictionaries whose values are boxes incremented in place.
/// </summary>
public sealed class RequestCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<long>> _replicas = new(StringComparer.Ordinal);
    private long _reads;
    private long _writes;
    private long _readErrors;
    private long _writeErrors;
    private long _hits;
    private long _misses;
    private long _bypasses;
    private long _staleReads;
    private long _staleOwnReads;
    private long _maxStalenessTicks;

    /// <summary>Latency of successful requests (reads and writes).</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Successful reads.</summary>
    public long Reads => Volatile.Read(ref _reads);

    /// <summary>Successful writes (acknowledged).</summary>
    public long Writes => Volatile.Read(ref _writes);

    /// <summary>Reads that failed.</summary>
    public long ReadErrors => Volatile.Read(ref _readErrors);

    /// <summary>Writes that failed.</summary>
    public long WriteErrors => Volatile.Read(ref _writeErrors);

    /// <summary>Reads answered with <c>X-Cache: hit</c>.</summary>
    public long Hits => Volatile.Read(ref _hits);

    /// <summary>Reads answered with <c>X-Cache: miss</c>.</summary>
    public long Misses => Volatile.Read(ref _misses);

    /// <summary>Reads answered with <c>X-Cache: bypass</c> (no cache in the path).</summary>
    public long Bypasses => Volatile.Read(ref _bypasses);

    /// <summary>Reads that returned a version older than a write acknowledged before they started.</summary>
    public long StaleReads => Volatile.Read(ref _staleReads);

    /// <summary>Stale reads that missed the reading client's own write (meaningful in sticky mode).</summary>
    public long StaleOwnReads => Volatile.Read(ref _staleOwnReads);

    /// <summary>The longest time between a missed write's acknowledgement and the start of a stale read.</summary>
    public TimeSpan MaxStalenessAge => TimeSpan.FromTicks(Volatile.Read(ref _maxStalenessTicks));

    /// <summary>Records a successful read.</summary>
    public void RecordRead(TimeSpan latency, CacheOutcome cache, string? servedBy, bool stale, bool staleOwn, TimeSpan stalenessAge)
    {
        Interlocked.Increment(ref _reads);
        Latency.Record(latency);
        switch (cache)
        {
            case CacheOutcome.Hit:
                Interlocked.Increment(ref _hits);
                break;
            case CacheOutcome.Miss:
                Interlocked.Increment(ref _misses);
                break;
            case CacheOutcome.Bypass:
                Interlocked.Increment(ref _bypasses);
                break;
        }

        if (stale)
        {
            Interlocked.Increment(ref _staleReads);
            var ticks = stalenessAge.Ticks;
            var current = Volatile.Read(ref _maxStalenessTicks);
            while (ticks > current)
            {
                var seen = Interlocked.CompareExchange(ref _maxStalenessTicks, ticks, current);
                if (seen == current)
                {
                    break;
                }

                current = seen;
            }
        }

        if (staleOwn)
        {
            Interlocked.Increment(ref _staleOwnReads);
        }

        CountReplica(servedBy);
    }

    /// <summary>Records an acknowledged write.</summary>
    public void RecordWrite(TimeSpan latency, string? servedBy)
    {
        Interlocked.Increment(ref _writes);
        Latency.Record(latency);
        CountReplica(servedBy);
    }

    /// <summary>Records a failed request by kind (e.g. <c>http-503</c>, <c>timeout</c>, <c>connection-refused</c>).</summary>
    public void RecordError(bool isRead, string kind)
    {
        Interlocked.Increment(ref isRead ? ref _readErrors : ref _writeErrors);
        Increment(_errors, kind);
    }

    /// <summary>Errors by kind.</summary>
    public SortedDictionary<string, long> ErrorsByKind() => Snapshot(_errors);

    /// <summary>Successful requests by the replica that served them (<c>X-Served-By</c>).</summary>
    public SortedDictionary<string, long> RequestsByReplica() => Snapshot(_replicas);

    private void CountReplica(string? servedBy) => Increment(_replicas, string.IsNullOrEmpty(servedBy) ? "(none)" : servedBy);

    private static void Increment(ConcurrentDictionary<string, StrongBox<long>> counts, string key)
    {
        // GetOrAdd allocates only the first time a key is seen; after that it is a lookup and an atomic increment.
        var box = counts.GetOrAdd(key, static _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
    }

    private static SortedDictionary<string, long> Snapshot(ConcurrentDictionary<string, StrongBox<long>> counts)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, box) in counts)
        {
            result[key] = Volatile.Read(ref box.Value);
        }

        return result;
    }
}
