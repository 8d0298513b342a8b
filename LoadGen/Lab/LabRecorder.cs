using System.Collections.Concurrent;
using LoadGen.Metrics;
using LoadGen.Telemetry;

namespace LoadGen.Lab;

/// <summary>
/// What the lab page draws: one point per second across runs (the last <see cref="HistorySeconds"/>), the markers of
/// switches and operations, and totals per topology. Fed by the runner as an <see cref="ILoadObserver"/>.
/// </summary>
public sealed class LabRecorder : ILoadObserver
{
    /// <summary>Seconds of history kept: the page shows 5 minutes, a little more survives a slow poll.</summary>
    public const int HistorySeconds = 600;

    private const int MaxMarkers = 200;

    private readonly TopologyTracker _topology;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly List<(long Time, string Name)> _changes = [];
    private readonly Queue<TimelinePoint> _points = new();
    private readonly List<LabMarker> _markers = [];
    private readonly ConcurrentDictionary<string, TopologyTotals> _totals = new(StringComparer.Ordinal);
    private long _nextMarkerId;

    /// <summary>Starts recording; the topology's changes are followed from now on.</summary>
    public LabRecorder(TopologyTracker topology, TimeProvider? time = null)
    {
        _topology = topology;
        _time = time ?? TimeProvider.System;
        _changes.Add((long.MinValue, topology.Current));
        topology.Changed += (_, name) =>
        {
            lock (_lock)
            {
                _changes.Add((_time.GetUtcNow().ToUnixTimeMilliseconds(), name));
                if (_changes.Count > MaxMarkers)
                {
                    _changes.RemoveAt(0);
                }
            }
        };
    }

    /// <summary>The last <paramref name="seconds"/> seconds of points and the markers in that window.</summary>
    public (IReadOnlyList<TimelinePoint> Points, IReadOnlyList<LabMarker> Markers) Window(int seconds)
    {
        var from = _time.GetUtcNow().ToUnixTimeMilliseconds() - (seconds * 1000L);
        lock (_lock)
        {
            return ([.. _points.Where(p => p.Time >= from)], [.. _markers.Where(m => m.Time >= from || m.Outcome == "running")]);
        }
    }

    /// <summary>Adds a marker that is running now; returns its id for <see cref="EndMarker"/>.</summary>
    public long BeginMarker(string kind, string label)
    {
        lock (_lock)
        {
            var marker = new LabMarker(++_nextMarkerId, _time.GetUtcNow().ToUnixTimeMilliseconds(), kind, label, "running", null);
            _markers.Add(marker);
            if (_markers.Count > MaxMarkers)
            {
                _markers.RemoveAt(0);
            }

            return marker.Id;
        }
    }

    /// <summary>Ends the marker <paramref name="id"/> with its outcome.</summary>
    public void EndMarker(long id, bool succeeded, string? detail)
    {
        lock (_lock)
        {
            var index = _markers.FindIndex(m => m.Id == id);
            if (index >= 0)
            {
                _markers[index] = _markers[index] with { Outcome = succeeded ? "done" : "failed", Detail = detail, EndTime = _time.GetUtcNow().ToUnixTimeMilliseconds() };
            }
        }
    }

    /// <summary>A change seen without an action of this page (a switch from the dashboard): a marker that is already done.</summary>
    public void AddMarker(string kind, string label, string? detail)
    {
        var id = BeginMarker(kind, label);
        EndMarker(id, succeeded: true, detail);
    }

    /// <summary>One row per topology measured, in the order they were first used.</summary>
    public IReadOnlyList<TopologyRow> Table() =>
        [.. _totals.Values.OrderBy(t => t.FirstSeen).Select(t => t.ToRow())];

    /// <inheritdoc />
    public void OnRead(TimeSpan latency, CacheOutcome cache, bool stale, bool staleOwn) =>
        Totals().Counters.RecordRead(latency, cache, null, stale, staleOwn, TimeSpan.Zero);

    /// <inheritdoc />
    public void OnWrite(TimeSpan latency) => Totals().Counters.RecordWrite(latency, null);

    /// <inheritdoc />
    public void OnError(bool isRead, string kind) => Totals().Counters.RecordError(isRead, kind);

    /// <inheritdoc />
    public void OnCatalogCalls(long calls)
    {
        // The per-second rate comes with OnSecond; the totals take it from there.
    }

    /// <inheritdoc />
    public void OnSecond(SecondStats second, DateTimeOffset startedAt)
    {
        // A second belongs to the topology in use when it began: the second in which a switch ends still counts for the
        // old one, so every second shown under the new topology began after the switch was done.
        var current = TopologyAt(startedAt.ToUnixTimeMilliseconds());
        var hasTraffic = second.ReadsPerSecond + second.WritesPerSecond + second.Errors > 0;
        var point = new TimelinePoint(
            startedAt.ToUnixTimeMilliseconds(),
            current,
            second.ReadsPerSecond,
            second.WritesPerSecond,
            second.Latency.Count > 0 ? second.Latency.P50 : null,
            second.Latency.Count > 0 ? second.Latency.P99 : null,
            second.HitRatio,
            second.StalePercent,
            second.Errors,
            second.DbCallsPerSecond);
        lock (_lock)
        {
            _points.Enqueue(point);
            while (_points.Count > HistorySeconds)
            {
                _points.Dequeue();
            }
        }

        if (hasTraffic)
        {
            Totals(current).AddSecond(second.DbCallsPerSecond);
        }
    }

    private string TopologyAt(long time)
    {
        lock (_lock)
        {
            for (var i = _changes.Count - 1; i >= 0; i--)
            {
                if (_changes[i].Time <= time)
                {
                    return _changes[i].Name;
                }
            }

            return _changes[0].Name;
        }
    }

    private TopologyTotals Totals(string? name = null) =>
        _totals.GetOrAdd(name ?? _topology.Current, static (n, time) => new TopologyTotals(n, time.GetTimestamp()), _time);

    /// <summary>Totals of one topology; seconds and DB rates are added by the one ticker, requests by every client.</summary>
    private sealed class TopologyTotals(string name, long firstSeen)
    {
        private readonly Lock _lock = new();
        private long _seconds;
        private double _dbSum;
        private long _dbSeconds;

        public long FirstSeen { get; } = firstSeen;

        public RequestCounters Counters { get; } = new();

        public void AddSecond(double? dbCallsPerSecond)
        {
            lock (_lock)
            {
                _seconds++;
                if (dbCallsPerSecond is { } db)
                {
                    _dbSum += db;
                    _dbSeconds++;
                }
            }
        }

        public TopologyRow ToRow()
        {
            long seconds, dbSeconds;
            double dbSum;
            lock (_lock)
            {
                (seconds, dbSeconds, dbSum) = (_seconds, _dbSeconds, _dbSum);
            }

            var reads = Counters.Reads;
            var latency = Counters.Latency;
            var hasLatency = latency.Count > 0;
            return new TopologyRow(
                name,
                seconds,
                reads,
                seconds > 0 ? Math.Round(reads / (double)seconds, 1) : 0,
                hasLatency ? Math.Round(latency.ValueAtPercentile(50) / 1000, 2) : null,
                hasLatency ? Math.Round(latency.ValueAtPercentile(99) / 1000, 2) : null,
                reads > 0 ? Math.Round((double)Counters.Hits / reads, 3) : null,
                reads > 0 ? Math.Round(100.0 * Counters.StaleReads / reads, 3) : null,
                Counters.StaleReads,
                Counters.ReadErrors + Counters.WriteErrors,
                dbSeconds > 0 ? Math.Round(dbSum / dbSeconds, 1) : null);
        }
    }
}
