using LoadGen.Metrics;

namespace LoadGen.UnitTests;

public class StaleReadDetectorTests
{
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void AReadThatStartsAfterAnAcknowledgedWriteAndReturnsAnOlderVersionIsStale()
    {
        var detector = new StaleReadDetector(10, _time);
        detector.WriteAcknowledged(3, version: 2);

        var read = detector.BeginRead(3);

        Assert.True(StaleReadDetector.IsStale(read, version: 1));
    }

    [Fact]
    public void AReadReturningTheAcknowledgedVersionOrANewerOneIsNotStale()
    {
        var detector = new StaleReadDetector(10, _time);
        detector.WriteAcknowledged(3, version: 2);

        var read = detector.BeginRead(3);

        Assert.False(StaleReadDetector.IsStale(read, version: 2));
        // A newer version from a write still in flight is fine: it is not older than anything acknowledged.
        Assert.False(StaleReadDetector.IsStale(read, version: 3));
    }

    [Fact]
    public void AReadThatStartedBeforeTheWriteWasAcknowledgedIsNotStale()
    {
        var detector = new StaleReadDetector(10, _time);
        detector.WriteAcknowledged(5, version: 1);

        var read = detector.BeginRead(5);
        detector.WriteAcknowledged(5, version: 2);
        _time.Advance(TimeSpan.FromMilliseconds(3));

        // The read overlapped the write: returning the old version is allowed.
        Assert.False(StaleReadDetector.IsStale(read, version: 1));
        // The next read starts after the acknowledgement: the old version is now stale.
        Assert.True(StaleReadDetector.IsStale(detector.BeginRead(5), version: 1));
    }

    [Fact]
    public void ResponsesCompletingInAnotherOrderThanTheyStartedAreJudgedByTheirStart()
    {
        var detector = new StaleReadDetector(10, _time);
        detector.WriteAcknowledged(1, version: 1);
        var early = detector.BeginRead(1);
        detector.WriteAcknowledged(1, version: 2);
        var late = detector.BeginRead(1);

        // The late read completes first with the old version: stale. The early one completes after, same answer: not stale.
        Assert.True(StaleReadDetector.IsStale(late, version: 1));
        Assert.False(StaleReadDetector.IsStale(early, version: 1));
    }

    [Fact]
    public void WritesAcknowledgedOutOfOrderKeepTheHighestVersion()
    {
        var detector = new StaleReadDetector(10, _time);

        // Two concurrent writes to one product: version 5's response arrives before version 4's.
        detector.WriteAcknowledged(7, version: 5);
        detector.WriteAcknowledged(7, version: 4);
        var read = detector.BeginRead(7);

        Assert.Equal(5, detector.AcknowledgedVersion(7));
        Assert.True(StaleReadDetector.IsStale(read, version: 4));
        Assert.False(StaleReadDetector.IsStale(read, version: 5));
    }

    [Fact]
    public void ConcurrentAcknowledgementsFromManyThreadsLeaveTheHighestVersion()
    {
        var detector = new StaleReadDetector(100, _time);
        var versions = Enumerable.Range(1, 20_000).OrderBy(v => (v * 7919) % 20_011).ToArray();

        Parallel.ForEach(versions, new ParallelOptions { MaxDegreeOfParallelism = 4 }, v => detector.WriteAcknowledged(1 + (v % 100), v));

        for (var product = 1; product <= 100; product++)
        {
            var expected = versions.Where(v => 1 + (v % 100) == product).Max();
            Assert.Equal(expected, detector.AcknowledgedVersion(product));
        }
    }

    [Fact]
    public void AFailedWriteIsNeverAcknowledgedSoItNeverMakesAReadStale()
    {
        var detector = new StaleReadDetector(10, _time);
        detector.WriteAcknowledged(2, version: 4);
        // A write that would have produced version 5 failed (500, timeout): LoadGen never acknowledges it.

        var read = detector.BeginRead(2);

        Assert.False(StaleReadDetector.IsStale(read, version: 4));
        Assert.Equal(4, detector.AcknowledgedVersion(2));
    }

    [Fact]
    public void AReadOfAProductNeverWrittenIsNeverStale()
    {
        var detector = new StaleReadDetector(10, _time);
        detector.WriteAcknowledged(1, version: 9);

        var read = detector.BeginRead(2);

        Assert.False(read.HasAcknowledgedWrite);
        Assert.False(StaleReadDetector.IsStale(read, version: 0));
        Assert.Null(detector.AcknowledgedVersion(2));
    }

    [Fact]
    public void StalenessAgeIsTheTimeBetweenTheMissedAcknowledgementAndTheReadStart()
    {
        var detector = new StaleReadDetector(10, _time);
        detector.WriteAcknowledged(4, version: 2);
        _time.Advance(TimeSpan.FromMilliseconds(250));

        var read = detector.BeginRead(4);

        Assert.Equal(TimeSpan.FromMilliseconds(250), detector.StalenessAge(read, _time.GetTimestamp()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(-1)]
    public void AProductIdOutsideTheCatalogIsRejected(int id)
    {
        var detector = new StaleReadDetector(10, _time);

        Assert.Throws<ArgumentOutOfRangeException>(() => detector.BeginRead(id));
        Assert.Throws<ArgumentOutOfRangeException>(() => detector.WriteAcknowledged(id, 1));
    }
}
