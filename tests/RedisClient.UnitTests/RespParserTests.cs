using System.Buffers;
using System.Text;
using RedisClient.Protocol;

namespace RedisClient.UnitTests;

public class RespParserTests
{
    [Fact]
    public void SimpleStringIsRead() => AssertScalar("+OK\r\n", RedisResultType.SimpleString, "OK");

    [Fact]
    public void ErrorIsReadAsAnErrorResult() => AssertScalar("-ERR unknown command\r\n", RedisResultType.Error, "ERR unknown command");

    [Fact]
    public void IntegerIsRead()
    {
        var result = ParseOne(":-12345\r\n");
        Assert.Equal(RedisResultType.Integer, result.Type);
        Assert.Equal(-12345L, (long)result);
    }

    [Fact]
    public void BulkStringIsReadAsBytes()
    {
        var result = ParseOne("$5\r\nhel\r\n\r\n");
        Assert.Equal(RedisResultType.BulkString, result.Type);
        Assert.Equal("hel\r\n"u8.ToArray(), (byte[]?)result);
    }

    [Fact]
    public void EmptyBulkStringIsNotNull()
    {
        var result = ParseOne("$0\r\n\r\n");
        Assert.Equal(RedisResultType.BulkString, result.Type);
        Assert.False(result.IsNull);
        Assert.Empty((byte[])result!);
    }

    [Fact]
    public void NullBulkStringIsNull() => Assert.True(ParseOne("$-1\r\n").IsNull);

    [Fact]
    public void NullArrayIsNull() => Assert.True(ParseOne("*-1\r\n").IsNull);

    [Fact]
    public void NestedArraysKeepTheirShape()
    {
        var result = ParseOne("*3\r\n:1\r\n*2\r\n+a\r\n$1\r\nb\r\n*0\r\n");
        Assert.Equal(RedisResultType.Array, result.Type);
        Assert.Equal(3, result.Items!.Count);
        Assert.Equal(1L, (long)result.Items[0]);
        Assert.Equal("a", (string?)result.Items[1].Items![0]);
        Assert.Equal("b", (string?)result.Items[1].Items![1]);
        Assert.Empty(result.Items[2].Items!);
    }

    [Fact]
    public void Resp3NullIsNull() => Assert.True(ParseOne("_\r\n").IsNull);

    [Fact]
    public void Resp3DoublesIncludingInfinityAreRead()
    {
        Assert.Equal("3.25", ParseOne(",3.25\r\n").Value.ToString());
        Assert.Equal(RedisResultType.Double, ParseOne(",-inf\r\n").Type);
        Assert.Equal(RedisResultType.Double, ParseOne(",1e10\r\n").Type);
    }

    [Fact]
    public void Resp3BooleansAreRead()
    {
        Assert.Equal(1L, (long)ParseOne("#t\r\n"));
        Assert.Equal(0L, (long)ParseOne("#f\r\n"));
        Assert.Equal(RedisResultType.Boolean, ParseOne("#t\r\n").Type);
    }

    [Fact]
    public void Resp3VerbatimStringLosesItsFormatPrefix() => AssertScalar("=15\r\ntxt:Some string\r\n", RedisResultType.BulkString, "Some string");

    [Fact]
    public void Resp3BlobErrorIsAnError() => AssertScalar("!21\r\nSYNTAX invalid syntax\r\n", RedisResultType.Error, "SYNTAX invalid syntax");

    [Fact]
    public void Resp3BigNumberIsText() => AssertScalar("(3492890328409238509324850943850943825024385\r\n", RedisResultType.BulkString, "3492890328409238509324850943850943825024385");

    [Fact]
    public void Resp3MapIsAlternatingKeysAndValues()
    {
        var result = ParseOne("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n");
        Assert.Equal(RedisResultType.Map, result.Type);
        Assert.Equal(["first", "1", "second", "2"], result.Items!.Select(i => i.ToString()));
    }

    [Fact]
    public void Resp3SetAndPushAreArrays()
    {
        var set = ParseOne("~2\r\n+a\r\n+b\r\n");
        var push = ParseOne(">3\r\n+message\r\n+channel\r\n$5\r\nhello\r\n");
        Assert.Equal(RedisResultType.Array, set.Type);
        Assert.Equal(2, set.Items!.Count);
        Assert.Equal("hello", push.Items![2].ToString());
    }

    [Fact]
    public void Resp3AttributesAreSkipped()
    {
        var result = ParseOne("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:7\r\n");
        Assert.Equal(RedisResultType.Array, result.Type);
        Assert.Equal(7L, (long)result.Items![0]);
    }

    [Fact]
    public void IncompleteFramesNeedMoreBytes()
    {
        foreach (var partial in new[] { "", "+OK", "+OK\r", "$5\r\nhel", "$5\r\nhello\r", "*2\r\n:1\r\n", "%1\r\n+a\r\n", ":12" })
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(partial)));
            Assert.False(RespParser.TryRead(ref reader, 0, out _), partial);
        }
    }

    /// <summary>One stream of every type, cut into two segments at every byte offset, parses to the same replies.</summary>
    [Fact]
    public void AStreamSplitAtEveryByteOffsetParsesTheSame()
    {
        var stream = Encoding.UTF8.GetBytes(
            "+OK\r\n-ERR bad\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*2\r\n$1\r\na\r\n*1\r\n:-7\r\n_\r\n,1.5\r\n#t\r\n" +
            "=9\r\ntxt:plain\r\n!4\r\noops\r\n(123456789012345678901234567890\r\n%1\r\n+k\r\n$1\r\nv\r\n~1\r\n:3\r\n>2\r\n+p\r\n+q\r\n" +
            "|1\r\n+ttl\r\n:9\r\n$3\r\nend\r\n");
        var expected = ParseAll(new ReadOnlySequence<byte>(stream), out _);
        Assert.Equal(17, expected.Count);

        for (var cut = 0; cut <= stream.Length; cut++)
        {
            // Feed the first part, parse what is complete, then append the rest, as a pipe delivers it.
            var first = new ReadOnlySequence<byte>(stream.AsMemory(0, cut));
            var early = ParseAll(first, out var consumed);
            var rest = Segments(stream.AsMemory((int)consumed, cut - (int)consumed), stream.AsMemory(cut));
            var late = ParseAll(rest, out var restConsumed);
            Assert.Equal(stream.Length - consumed, restConsumed);
            Assert.Equal(expected, early.Concat(late).ToList());
        }
    }

    [Fact]
    public void AStreamFedOneByteAtATimeParsesTheSame()
    {
        var stream = Encoding.UTF8.GetBytes("*3\r\n$3\r\nfoo\r\n:1\r\n%1\r\n+a\r\n,2.5\r\n+OK\r\n");
        var expected = ParseAll(new ReadOnlySequence<byte>(stream), out _);
        var received = new List<string>();
        var start = 0;
        for (var end = 1; end <= stream.Length; end++)
        {
            received.AddRange(ParseAll(new ReadOnlySequence<byte>(stream.AsMemory(start, end - start)), out var consumed));
            start += (int)consumed;
        }

        Assert.Equal(expected, received);
    }

    [Theory]
    [InlineData("?foo\r\n", 0, "a RESP type byte")]
    [InlineData(":12a\r\n", 1, "an integer")]
    [InlineData(":\r\n", 1, "an integer")]
    [InlineData(":99999999999999999999\r\n", 1, "an integer")]
    [InlineData("$abc\r\n", 1, "a bulk string length")]
    [InlineData("$-5\r\n", 1, "a bulk length between 0 and")]
    [InlineData("$99999999999\r\n", 1, "a bulk length between 0 and")]
    [InlineData("$3\r\nfooXY", 7, "CRLF after a bulk string of 3 bytes")]
    [InlineData("+OK\rX", 4, "LF after CR")]
    [InlineData("+OK\n", 3, "CR before LF")]
    [InlineData("*x\r\n", 1, "an element count")]
    [InlineData("*-2\r\n", 1, "an element count of 0 or more")]
    [InlineData("#x\r\n", 1, "'t' or 'f'")]
    [InlineData(",abc\r\n", 1, "a RESP3 double")]
    [InlineData("_x\r\n", 1, "CRLF right after '_'")]
    [InlineData("=3\r\nabc\r\n", 4, "a 3-letter format and ':'")]
    [InlineData("$1234567890123456789012345678", 25, "CRLF within 24 bytes")]
    [InlineData("+OK\r\n:1\r\n:2x\r\n", 10, "an integer")]
    public void MalformedInputNamesTheOffsetAndWhatWasExpected(string input, long offset, string expected)
    {
        var error = Assert.Throws<RedisProtocolException>(() => ParseAll(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(input)), out _));
        Assert.Contains($"byte offset {offset}:", error.Message);
        Assert.Contains("expected " + expected, error.Message);
    }

    [Fact]
    public void NestingDeeperThanAnyReplyIsMalformed()
    {
        var input = string.Concat(Enumerable.Repeat("*1\r\n", RespParser.MaxDepth + 1)) + ":1\r\n";
        var error = Assert.Throws<RedisProtocolException>(() => ParseAll(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(input)), out _));
        Assert.Contains($"at most {RespParser.MaxDepth} levels", error.Message);
    }

    [Fact]
    public void StreamOffsetIsAddedToTheReportedOffset()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("?"u8.ToArray()));
        RedisProtocolException? error = null;
        try
        {
            RespParser.TryRead(ref reader, 1000, out _);
        }
        catch (RedisProtocolException e)
        {
            error = e;
        }

        Assert.Contains("byte offset 1000:", error?.Message);
    }

    private static void AssertScalar(string input, RedisResultType type, string text)
    {
        var result = ParseOne(input);
        Assert.Equal(type, result.Type);
        Assert.Equal(text, result.Value.ToString());
    }

    private static RedisResult ParseOne(string input)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.True(RespParser.TryRead(ref reader, 0, out var result));
        Assert.Equal(bytes.Length, reader.Consumed);
        return result;
    }

    /// <summary>Parses every complete frame the way the connection does: restart from the last frame end.</summary>
    private static List<string> ParseAll(ReadOnlySequence<byte> buffer, out long consumed)
    {
        var replies = new List<string>();
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            var attempt = reader;
            if (!RespParser.TryRead(ref attempt, 0, out var result))
            {
                break;
            }

            replies.Add($"{result.Type}:{result}");
            reader = attempt;
        }

        consumed = reader.Consumed;
        return replies;
    }

    private static ReadOnlySequence<byte> Segments(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        var start = new Segment(first);
        var end = start.Append(second);
        return new ReadOnlySequence<byte>(start, 0, end, second.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
