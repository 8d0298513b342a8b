namespace NetworkEmulator.Tests;

/// <summary>How the profile options read, and what a user sees when they are wrong.</summary>
public sealed class LinkProfileTests
{
    [Theory]
    [InlineData("lan", 100, 1_000_000_000)]
    [InlineData("LAN-10G", 50, 10_000_000_000)]
    [InlineData("cross-zone", 500, 10_000_000_000)]
    public void ANamedProfileHasItsDelayAndRate(string name, int delayMicroseconds, long rate)
    {
        var profile = LinkProfile.Parse(name);

        Assert.Equal(TimeSpan.FromMicroseconds(delayMicroseconds), profile.Delay);
        Assert.Equal(rate, profile.RateBitsPerSecond);
    }

    [Theory]
    [InlineData(null, "200us", "1gbit", 200, 1_000_000_000)]
    [InlineData(null, "1.5ms", "250mbit", 1_500, 250_000_000)]
    [InlineData("cross-zone", "0", null, 0, 10_000_000_000)]
    [InlineData("lan", null, "10gbit", 100, 10_000_000_000)]
    [InlineData(null, "200µs", "2.5Gbit", 200, 2_500_000_000)]
    public void CustomValuesReplaceTheProfilesOnes(string? name, string? delay, string? rate, int delayMicroseconds, long expectedRate)
    {
        var profile = LinkProfile.Parse(name, delay, rate);

        Assert.Equal("custom", profile.Name);
        Assert.Equal(TimeSpan.FromMicroseconds(delayMicroseconds), profile.Delay);
        Assert.Equal(expectedRate, profile.RateBitsPerSecond);
    }

    [Fact]
    public void AnUnknownProfileListsTheProfiles()
    {
        var error = Assert.Throws<ArgumentException>(() => LinkProfile.Parse("wan"));

        Assert.Contains("Unknown network profile 'wan'", error.Message);
        Assert.Contains("lan (100 µs one-way, 1 Gbit/s)", error.Message);
        Assert.Contains("lan-10g (50 µs one-way, 10 Gbit/s)", error.Message);
        Assert.Contains("cross-zone (500 µs one-way, 10 Gbit/s)", error.Message);
    }

    [Theory]
    [InlineData("2s")]
    [InlineData("-5us")]
    public void ADelayOutOfRangeSaysTheRange(string delay)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => LinkProfile.Parse(null, delay, null));

        Assert.Contains("out of range: use 0 to 1 s", error.Message);
    }

    [Theory]
    [InlineData("500kbit")]
    [InlineData("1000gbit")]
    public void ARateOutOfRangeSaysTheRange(string rate)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => LinkProfile.Parse(null, null, rate));

        Assert.Contains("out of range: use 1mbit to 100gbit", error.Message);
    }

    [Theory]
    [InlineData("200", "1gbit", "not a delay")]
    [InlineData("fast", "1gbit", "not a delay")]
    [InlineData("200us", "1 gigabit", "not a rate")]
    [InlineData("200us", "1000", "not a rate")]
    public void AValueWithoutAUnitSaysHowToWriteIt(string delay, string rate, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => LinkProfile.Parse(null, delay, rate));

        Assert.Contains(expected, error.Message);
        Assert.Contains("e.g.", error.Message);
    }
}
