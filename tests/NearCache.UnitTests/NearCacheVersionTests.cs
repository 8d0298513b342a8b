using System.Text;
using StackExchange.Redis;

namespace NearCache.UnitTests;

/// <summary>What counts as a version stamp (<see cref="NearCacheVersionStamp.Prefix"/>), hashes, keys and options.</summary>
public class NearCacheVersionTests
{
    [Theory]
    [InlineData("v42|{\"id\":7}", 4)]
    [InlineData("v1|", 3)]
    [InlineData("x|", 2)]
    [InlineData("v7|a|b|c", 3)]                     // the first '|' ends the stamp
    [InlineData("8d3f1e2a-0c4b-4e55-9b1a-2f6d7c8e9a01:17|{}", 40)]
    public void TheStampEndsWithTheFirstBar(string value, int expected)
        => Assert.Equal(expected, NearCaching.NearCache.StampLength(Encoding.UTF8.GetBytes(value)));

    [Theory]
    [InlineData("")]
    [InlineData("t42")]                             // a tombstone of the versioned cache-aside: checked by hash
    [InlineData("{\"id\":7,\"name\":\"plain json\"}")]
    [InlineData("|starts with a bar")]              // a bare '|' names no version
    public void AValueWithoutABarInPlaceHasNoStamp(string value)
        => Assert.Equal(0, NearCaching.NearCache.StampLength(Encoding.UTF8.GetBytes(value)));

    [Fact]
    public void TheBarMustBeWithinTheFirst64Bytes()
    {
        var at63 = Encoding.UTF8.GetBytes(new string('v', 63) + "|rest");
        var at64 = Encoding.UTF8.GetBytes(new string('v', 64) + "|rest");

        Assert.Equal(NearCaching.NearCache.MaxStampLength, NearCaching.NearCache.StampLength(at63));
        Assert.Equal(0, NearCaching.NearCache.StampLength(at64));
        Assert.Equal(0, NearCaching.NearCache.StampLength(new byte[20_000]));
    }

    [Fact]
    public void StampsAreBytesNotText()
        => Assert.Equal(4, NearCaching.NearCache.StampLength([0xff, 0x00, 0xfe, (byte)'|', 0x01, 0x02]));

    [Fact]
    public void TheVersionIsTheSha1TheServerComputes()
    {
        // redis-cli EVAL "return redis.sha1hex(ARGV[1])" 0 hello
        Assert.Equal("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", NearCaching.NearCache.Version(Encoding.UTF8.GetBytes("hello")));
    }

    [Fact]
    public void KeysThatAreNotUtf8AreNeverKeptLocally()
    {
        Assert.Equal("product:1", NearCaching.NearCache.LocalKey((RedisKey)"product:1"));
        Assert.Equal("product:1", NearCaching.NearCache.LocalKey((RedisKey)Encoding.UTF8.GetBytes("product:1")));
        Assert.Equal("prodüct:\uFFFD", NearCaching.NearCache.LocalKey((RedisKey)"prodüct:\uFFFD"));
        Assert.Null(NearCaching.NearCache.LocalKey((RedisKey)new byte[] { 0xff, 0xfe }));
        Assert.Null(NearCaching.NearCache.LocalKey(new byte[] { 0xc3 }));
    }

    [Fact]
    public void HashingAndCoherentAreTheDefaults()
    {
        var options = new NearCacheOptions();
        Assert.Equal((NearCacheMode.Coherent, NearCacheVersionStamp.None, 10_000, 64L * 1024 * 1024), (options.Mode, options.VersionStamp, options.MaxEntries, options.MaxBytes));
    }

    [Fact]
    public void OptionsOutOfRangeAreClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearCacheOptions { MaxEntries = 0 }.Validate());
        Assert.Contains("MaxBytes", Assert.Throws<ArgumentOutOfRangeException>(() => new NearCacheOptions { MaxBytes = -1 }.Validate()).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearCacheOptions { Mode = (NearCacheMode)7 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearCacheOptions { VersionStamp = (NearCacheVersionStamp)9 }.Validate());
        Assert.Contains("Coherent", Assert.Throws<ArgumentException>(
            () => new NearCacheOptions { Mode = NearCacheMode.Tracking, VersionStamp = NearCacheVersionStamp.Prefix }.Validate()).Message);
        Assert.Contains("Tracking", Assert.Throws<ArgumentException>(() => new NearCacheOptions { TrackingPrefixes = ["p:"] }.Validate()).Message);
        Assert.Throws<ArgumentException>(() => new NearCacheOptions { Mode = NearCacheMode.Tracking, TrackingPrefixes = [""] }.Validate());
        new NearCacheOptions { Mode = NearCacheMode.Coherent, VersionStamp = NearCacheVersionStamp.Prefix }.Validate();
        new NearCacheOptions { Mode = NearCacheMode.Tracking, TrackingPrefixes = ["product:"] }.Validate();
    }

    [Fact]
    public async Task CreatingWithoutAMultiplexerIsAClearError()
        => await Assert.ThrowsAsync<ArgumentNullException>(() => NearCaching.NearCache.CreateAsync(null!));
}
