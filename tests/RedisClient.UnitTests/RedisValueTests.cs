namespace RedisClient.UnitTests;

public class RedisValueTests
{
    [Fact]
    public void BytesReadAreHandedOverWithoutACopy()
    {
        var bytes = new byte[20_000];
        RedisValue value = bytes;
        Assert.Same(bytes, (byte[]?)value);
        Assert.True(value.AsMemory().Span == bytes.AsSpan());
    }

    [Fact]
    public void NullAndEmptyDiffer()
    {
        Assert.True(RedisValue.Null.IsNull);
        RedisValue empty = "";
        Assert.False(empty.IsNull);
        Assert.NotEqual(RedisValue.Null, empty);
    }

    [Fact]
    public void NumbersAndTextConvert()
    {
        RedisValue number = 42L;
        Assert.Equal("42", number.ToString());
        Assert.Equal(42L, (long)(RedisValue)"42");
        Assert.Throws<FormatException>(() => (long)(RedisValue)"forty-two");
    }
}
