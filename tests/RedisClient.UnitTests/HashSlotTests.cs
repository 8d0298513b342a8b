using System.Text;

namespace RedisClient.UnitTests;

public class HashSlotTests
{
    [Fact]
    public void Crc16MatchesTheXmodemCheckValue() => Assert.Equal(0x31C3, HashSlot.Crc16("123456789"u8));

    [Theory]
    [InlineData("foo", 12182)]
    [InlineData("bar", 5061)]
    [InlineData("hello", 866)]
    [InlineData("", 0)]
    public void SlotsMatchRedisClusterKeyslot(string key, int slot) => Assert.Equal(slot, HashSlot.Get(key));

    [Fact]
    public void KeysWithTheSameHashTagShareASlot()
    {
        Assert.Equal(HashSlot.Get("{user1000}.following"), HashSlot.Get("{user1000}.followers"));
        Assert.Equal(HashSlot.Get("user1000"), HashSlot.Get("{user1000}.followers"));
    }

    [Fact]
    public void AnEmptyTagOrAnUnclosedBraceHashesTheWholeKey()
    {
        Assert.Equal(HashSlot.Crc16("foo{}{bar}"u8) % 16384, HashSlot.Get("foo{}{bar}"));
        Assert.Equal(HashSlot.Crc16("foo{bar"u8) % 16384, HashSlot.Get("foo{bar"));
        Assert.Equal(HashSlot.Get("bar"), HashSlot.Get("foo{bar}{zap}"));
    }

    [Fact]
    public void TextAndByteKeysHashTheSame()
    {
        var key = "ключ:{tag}:1";
        Assert.Equal(HashSlot.Get(key), HashSlot.Get((RedisKey)Encoding.UTF8.GetBytes(key)));
    }
}
