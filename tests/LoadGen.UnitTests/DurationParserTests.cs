using LoadGen.Cli;

namespace LoadGen.UnitTests;

public class DurationParserTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("45", 45_000)]
    [InlineData("0", 0)]
    public void CommonDurationsAreUnderstood(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("ten seconds")]
    [InlineData("5d")]
    public void AnythingElseIsRejected(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
    }
}
