using LoadGen.Lab;
using LoadGen.Metrics;
using LoadGen.Telemetry;

namespace LoadGen.UnitTests;

/// <summary>What the lab page draws: seconds labelled with their topology, markers, a row per topology.</summary>
public class LabRecorderTests
{
    private static SecondStats Second(long reads, long stale) =>
        new(0, false, reads, 1, 0, new LatencySummary(reads, 1, 2, 3, 4, 1), 0.5, stale, 10, new SortedDictionary<string, long>())
        {
            StalePercent = reads > 0 ? 100.0 * stale / reads : null,
        };

    [Fact]
    public void ASecondBelongsToTheTopologyInUseWhenItBeganSoNewTopologySecondsStartAfterTheSwitch()
    {
        var time = new ManualTimeProvider();
        var topology = new TopologyTracker();
        topology.Set("naive");
        var recorder = new LabRecorder(topology, time);
        var before = time.GetUtcNow();

        time.Advance(TimeSpan.FromMilliseconds(600));
        topology.Set("cluster");
        recorder.OnSecond(Second(100, 5), before);
        recorder.OnSecond(Second(100, 0), time.GetUtcNow());

        var (points, _) = recorder.Window(300);
        Assert.Equal(["naive", "cluster"], points.Select(p => p.Topology));
        Assert.Equal(5, points[0].StalePercent);
    }

    [Fact]
    public void MarkersRunThenEndWithTheirOutcomeAndTheTableHasARowPerTopology()
    {
        var time = new ManualTimeProvider();
        var topology = new TopologyTracker();
        var recorder = new LabRecorder(topology, time);
        topology.Set("naive");
        recorder.OnRead(TimeSpan.FromMilliseconds(1), CacheOutcome.Hit, stale: true, staleOwn: false);
        recorder.OnRead(TimeSpan.FromMilliseconds(1), CacheOutcome.Miss, stale: false, staleOwn: false);
        recorder.OnSecond(Second(2, 1), time.GetUtcNow());

        var id = recorder.BeginMarker("switch", "→ cluster");
        Assert.Equal("running", Assert.Single(recorder.Window(300).Markers).Outcome);
        time.Advance(TimeSpan.FromSeconds(2));
        topology.Set("cluster");
        recorder.EndMarker(id, succeeded: true, "2.0 s");
        recorder.OnRead(TimeSpan.FromMilliseconds(1), CacheOutcome.Hit, stale: false, staleOwn: false);
        recorder.OnError(isRead: true, "timeout");

        var marker = Assert.Single(recorder.Window(300).Markers);
        Assert.Equal(("done", "2.0 s"), (marker.Outcome, marker.Detail));
        Assert.Equal(marker.Time + 2000, marker.EndTime);
        var rows = recorder.Table();
        Assert.Equal(["naive", "cluster"], rows.Select(r => r.Topology));
        Assert.Equal((2, 1, 50.0, 0.5), (rows[0].Reads, rows[0].StaleReads, rows[0].StalePercent, rows[0].HitRatio));
        Assert.Equal((1, 0, 1), (rows[1].Reads, rows[1].StaleReads, rows[1].Errors));
    }
}
