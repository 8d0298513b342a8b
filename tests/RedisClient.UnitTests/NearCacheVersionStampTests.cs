using System.Text;
using RedisClient.Internal;

namespace RedisClient.UnitTests;

/// <summary>What counts as a version stamp (<see cref="NearCacheVersionStamp.Prefix"/>) and what does not.</summary>
public class NearCacheVersionStampTests
{
    [Theory]
    [InlineData("v42|{\"id\":7}", 4)]
    [InlineData("v1|", 3)]
    [InlineData("x|", 2)]
    [InlineData("v7|a|b|c", 3)]                     // the first '|' ends the stamp
    [InlineData("8d3f1e2a-0c4b-4e55-9b1a-2f6d7c8e9a01:17|{}", 40)]
    public void TheStampEndsWithTheFirstBar(string value, int expected)
        => Assert.Equal(expected, NearCacheDatabase.StampLength(Encoding.UTF8.GetBytes(value)));

    [Theory]
    [InlineData("")]
    [InlineData("t42")]                             // a tombstone of the versioned cache-aside: checked by hash
    [InlineData("{\"id\":7,\"name\":\"plain json\"}")]
    [InlineData("|starts with a bar")]              // a bare '|' names no version
    public void AValueWithoutABarInPlaceHasNoStamp(string value)
        => Assert.Equal(0, NearCacheDatabase.StampLength(Encoding.UTF8.GetBytes(value)));

    [Fact]
    public void TheBarMustBeWithinTheFirst64Bytes()
    {
        var at63 = Encoding.UTF8.GetBytes(new string('v', 63) + "|rest");
        var at64 = Encoding.UTF8.GetBytes(new string('v', 64) + "|rest");

        Assert.Equal(64, NearCacheDatabase.StampLength(at63));
        Assert.Equal(NearCacheDatabase.MaxStampLength, NearCacheDatabase.StampLength(at63));
        Assert.Equal(0, NearCacheDatabase.StampLength(at64));
        Assert.Equal(0, NearCacheDatabase.StampLength(new byte[20_000]));
    }

    [Fact]
    public void StampsAreBytesNotText()
    {
        byte[] binary = [0xff, 0x00, 0xfe, (byte)'|', 0x01, 0x02];

        Assert.Equal(4, NearCacheDatabase.StampLength(binary));
    }

    [Fact]
    public void HashingIsTheDefault()
        => Assert.Equal(NearCacheVersionStamp.None, new NearCacheOptions().VersionStamp);

    [Fact]
    public void AStampOutsideCoherentModeIsAClearError()
    {
        var error = Assert.Throws<ArgumentException>(
            () => new NearCacheOptions { Mode = NearCacheMode.Tracking, VersionStamp = NearCacheVersionStamp.Prefix }.Validate());
        Assert.Contains("Coherent", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearCacheOptions { VersionStamp = (NearCacheVersionStamp)9 }.Validate());
        new NearCacheOptions { Mode = NearCacheMode.Coherent, VersionStamp = NearCacheVersionStamp.Prefix }.Validate();
    }
}
