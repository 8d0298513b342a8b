using System.Diagnostics.Metrics;
using LoadGen.Metrics;
using LoadGen.Telemetry;

namespace LoadGen.UnitTests;

/// <summary>The instruments as a MeterListener (what the OpenTelemetry exporter uses) sees them.</summary>
public class LoadGenMetricsTests
{
    [Fact]
    public void EveryMeasurementIsPublishedOnTheSampleMeterWithTheCurrentTopology()
    {
        var topology = new TopologyTracker();
        using var metrics = new LoadGenMetrics(topology);
        var measurements = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                // Meters of other tests may share the name: the assertions keep this test's unique topology only.
                if (instrument.Meter.Name == LoadGenMetrics.MeterName)
                {
                    instruments.Add(instrument);
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            lock (measurements)
            {
                measurements.Add((instrument.Name, value, copy));
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
        var name = "naive-" + Guid.NewGuid().ToString("N");
        topology.Set(name);

        metrics.OnRead(TimeSpan.FromMilliseconds(2), CacheOutcome.Hit, stale: true, staleOwn: false);
        metrics.OnRead(TimeSpan.FromMilliseconds(3), CacheOutcome.Miss, stale: false, staleOwn: false);
        metrics.OnRead(TimeSpan.FromMilliseconds(4), CacheOutcome.Bypass, stale: false, staleOwn: false);
        metrics.OnWrite(TimeSpan.FromMilliseconds(5));
        metrics.OnError(isRead: true, "http-503");
        metrics.OnCatalogCalls(7);
        metrics.OnCatalogCalls(-3);

        var mine = measurements.Where(m => Equals(m.Tags.GetValueOrDefault(LoadGenMetrics.TopologyTag), name)).ToList();
        double Sum(string instrument) => mine.Where(m => m.Instrument == instrument).Sum(m => m.Value);
        Assert.Equal(3, Sum("loadgen.reads"));
        Assert.Equal(1, Sum("loadgen.writes"));
        Assert.Equal(1, Sum("loadgen.stale_reads"));
        Assert.Equal(false, mine.Single(m => m.Instrument == "loadgen.stale_reads").Tags["own"]);
        Assert.Equal(1, Sum("loadgen.cache.hits"));
        Assert.Equal(1, Sum("loadgen.cache.misses"));
        Assert.Equal(1, Sum("loadgen.cache.bypasses"));
        var error = mine.Single(m => m.Instrument == "loadgen.errors");
        Assert.Equal("http-503", error.Tags["error.type"]);
        Assert.Equal("read", error.Tags["operation"]);
        // A CatalogApi restart (its counters going back) is not negative load.
        Assert.Equal(7, Sum("loadgen.catalogapi.calls"));
        var durations = mine.Where(m => m.Instrument == "loadgen.request.duration").ToList();
        Assert.Equal(4, durations.Count);
        Assert.Equal(0.005, durations.Single(d => Equals(d.Tags["operation"], "write")).Value, 6);
        Assert.Contains(instruments, i => i.Name == "loadgen.request.duration" && i.Unit == "s");
    }

    [Fact]
    public void WithoutAControlApiTheTopologyTagIsUnknown()
    {
        var topology = new TopologyTracker();

        topology.Set(null);

        Assert.Equal(TopologyTracker.Unknown, topology.Current);
    }
}
