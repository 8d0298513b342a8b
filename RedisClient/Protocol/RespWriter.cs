using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace RedisClient.Protocol;

/// <summary>Writes commands as RESP arrays of bulk strings (what every Redis server accepts).</summary>
internal static class RespWriter
{
    // "$" + up to 10 digits + CRLF, and the trailing CRLF.
    private const int BulkOverhead = 16;

    /// <summary>Writes <c>*N CRLF</c>, the name, then each argument as a bulk string.</summary>
    public static void WriteCommand(IBufferWriter<byte> writer, CommandName name, RedisValue[] args)
    {
        var span = writer.GetSpan(BulkOverhead + name.Encoded.Length);
        var written = WriteHeader(span, (byte)'*', args.Length + 1);
        name.Encoded.CopyTo(span[written..]);
        writer.Advance(written + name.Encoded.Length);

        foreach (var arg in args)
        {
            WriteBulk(writer, arg);
        }
    }

    /// <summary>Writes one argument as a bulk string; null is written as the empty string.</summary>
    public static void WriteBulk(IBufferWriter<byte> writer, in RedisValue value)
    {
        switch (value.RawValue)
        {
            case null:
                WriteBytes(writer, []);
                break;
            case byte[] bytes:
                WriteBytes(writer, bytes);
                break;
            case ReadOnlyMemory<byte> memory:
                WriteBytes(writer, memory.Span);
                break;
            case string text:
                {
                    var length = Encoding.UTF8.GetByteCount(text);
                    var span = writer.GetSpan(length + BulkOverhead);
                    var written = WriteHeader(span, (byte)'$', length);
                    written += Encoding.UTF8.GetBytes(text, span[written..]);
                    span[written++] = (byte)'\r';
                    span[written++] = (byte)'\n';
                    writer.Advance(written);
                    break;
                }
            case long number:
                {
                    Span<byte> digits = stackalloc byte[24];
                    Utf8Formatter.TryFormat(number, digits, out var length);
                    WriteBytes(writer, digits[..length]);
                    break;
                }
            case double number:
                {
                    Span<byte> digits = stackalloc byte[40];
                    number.TryFormat(digits, out var length, "R", CultureInfo.InvariantCulture);
                    WriteBytes(writer, digits[..length]);
                    break;
                }
            default:
                throw new InvalidOperationException($"Cannot write a {value.RawValue.GetType().Name} as a Redis argument.");
        }
    }

    private static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        var span = writer.GetSpan(bytes.Length + BulkOverhead);
        var written = WriteHeader(span, (byte)'$', bytes.Length);
        bytes.CopyTo(span[written..]);
        written += bytes.Length;
        span[written++] = (byte)'\r';
        span[written++] = (byte)'\n';
        writer.Advance(written);
    }

    private static int WriteHeader(Span<byte> span, byte prefix, int count)
    {
        span[0] = prefix;
        Utf8Formatter.TryFormat(count, span[1..], out var digits);
        span[digits + 1] = (byte)'\r';
        span[digits + 2] = (byte)'\n';
        return digits + 3;
    }
}
