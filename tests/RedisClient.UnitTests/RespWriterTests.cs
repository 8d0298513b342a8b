using System.Buffers;
using System.Text;
using RedisClient.Protocol;

namespace RedisClient.UnitTests;

public class RespWriterTests
{
    [Fact]
    public void CommandIsAnArrayOfBulkStrings()
    {
        var writer = new ArrayBufferWriter<byte>();
        RespWriter.WriteCommand(writer, CommandName.Set, ["key", "välue"u8.ToArray(), 42L, new ReadOnlyMemory<byte>([1, 2]), "ü"]);
        Assert.Equal("*6\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nvälue\r\n$2\r\n42\r\n$2\r\n\u0001\u0002\r\n$2\r\nü\r\n",
            Encoding.UTF8.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void WrittenCommandParsesBackToTheSameArguments()
    {
        var value = new byte[20_000];
        new Random(1).NextBytes(value);
        var writer = new ArrayBufferWriter<byte>();
        RespWriter.WriteCommand(writer, new CommandName("set"), ["k", value, 1.5]);

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(writer.WrittenMemory));
        Assert.True(RespParser.TryRead(ref reader, 0, out var result));
        Assert.Equal("SET", result.Items![0].ToString());
        Assert.Equal(value, (byte[]?)result.Items[2]);
        Assert.Equal("1.5", result.Items[3].ToString());
    }
}
