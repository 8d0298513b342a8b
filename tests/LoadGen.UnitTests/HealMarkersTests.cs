using System.Text.Json;
using LoadGen.Lab;
using LoadGen.Telemetry;

namespace LoadGen.UnitTests;

/// <summary>The cluster's self-healing as chart markers: a heal runs from its detection to its end; history is no marker.</summary>
public class HealMarkersTests
{
    private static JsonElement Events(params (int Second, string Operation, string Step, string Message)[] events) =>
        JsonSerializer.SerializeToElement(events.Select(e => new
        {
            operation = e.Operation,
            step = e.Step,
            message = e.Message,
            time = new DateTimeOffset(2026, 12, 6, 2, 0, e.Second, TimeSpan.Zero),
        }));

    [Fact]
    public void AHealIsAMarkerFromItsDetectionToItsEndAndEarlierHistoryIsNone()
    {
        var recorder = new LabRecorder(new TopologyTracker(), new ManualTimeProvider());
        var markers = new HealMarkers(recorder);
        var history = (1, "Heal", "detected", "cache-cluster-1 (127.0.0.1:1) ended");

        markers.Observe(Events(history));
        markers.Observe(Events(history, (2, "KillMaster", "done", "done"), (3, "Heal", "detected", "cache-cluster-0 (127.0.0.1:2) ended (Finished, exit code -1)")));
        var running = Assert.Single(recorder.Window(300).Markers);
        markers.Observe(Events((3, "Heal", "detected", "cache-cluster-0 (127.0.0.1:2) ended"), (9, "Heal", "healed", "cache-cluster-0 is back; 4100 ms after its death was seen")));

        var done = Assert.Single(recorder.Window(300).Markers);
        Assert.Equal("heal cache-cluster-0", running.Label);
        Assert.Equal("running", running.Outcome);
        Assert.Equal("done", done.Outcome);
        Assert.Contains("4100 ms", done.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void WithSelfHealingOffADeathIsADoneMarkerSayingSo()
    {
        var recorder = new LabRecorder(new TopologyTracker(), new ManualTimeProvider());
        var markers = new HealMarkers(recorder);

        markers.Observe(Events());
        markers.Observe(Events((5, "Heal", "off", "cache-cluster-2 (127.0.0.1:3) ended; self-healing is off")));

        var marker = Assert.Single(recorder.Window(300).Markers);
        Assert.Equal("cache-cluster-2 down", marker.Label);
        Assert.Equal("done", marker.Outcome);
    }
}
