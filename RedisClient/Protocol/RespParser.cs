using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace RedisClient.Protocol;

/// <summary>
/// Reads one RESP2/RESP3 frame from the bytes received so far. Incremental by restart: when the frame is not
/// complete yet <see cref="TryRead"/> returns false and the caller tries again from the same position once more
/// bytes arrived, so a frame split at any byte boundary parses the same. Bulk payloads are copied once, from the
/// pipe's buffers into the array the caller receives.
/// </summary>
internal static class RespParser
{
    /// <summary>Redis's own limit for a bulk string (proto-max-bulk-len).</summary>
    internal const long MaxBulkLength = 512L * 1024 * 1024;

    /// <summary>Deeper nesting than any Redis reply has: a stream of '*1' headers is malformed input, not data.</summary>
    internal const int MaxDepth = 128;

    // A header line holds a number: more digits than a long has means the stream is corrupt, not incomplete.
    private const int MaxNumberLineLength = 24;

    // Simple strings and errors are short; a megabyte without CRLF is a corrupt stream, not a slow one.
    private const int MaxLineLength = 1024 * 1024;

    private static readonly RedisResult s_ok = RedisResult.Create(RedisResultType.SimpleString, "OK");
    private static readonly RedisResult s_null = RedisResult.Create(RedisResultType.Null, RedisValue.Null);
    private static readonly RedisResult s_zero = RedisResult.Create(RedisResultType.Integer, 0L);
    private static readonly RedisResult s_one = RedisResult.Create(RedisResultType.Integer, 1L);
    private static readonly RedisResult s_true = RedisResult.Create(RedisResultType.Boolean, 1L);
    private static readonly RedisResult s_false = RedisResult.Create(RedisResultType.Boolean, 0L);

    /// <summary>
    /// Reads one complete frame. Returns false (and leaves no result) when more bytes are needed; the caller keeps
    /// its own copy of the reader to restart from. Throws <see cref="RedisProtocolException"/> on bytes that are not
    /// RESP, naming the stream offset (<paramref name="streamOffset"/> is the offset of the reader's start).
    /// </summary>
    public static bool TryRead(ref SequenceReader<byte> reader, long streamOffset, out RedisResult result)
        => TryRead(ref reader, streamOffset, 0, out result!);

    private static bool TryRead(ref SequenceReader<byte> reader, long streamOffset, int depth, out RedisResult? result)
    {
        result = null;
        var typeOffset = streamOffset + reader.Consumed;
        if (!reader.TryRead(out var type))
        {
            return false;
        }

        switch (type)
        {
            case (byte)'+':
            case (byte)'-':
            case (byte)'(':
                {
                    if (!TryReadLine(ref reader, streamOffset, MaxLineLength, out var line))
                    {
                        return false;
                    }

                    if (type == '+' && line.Length == 2 && line.FirstSpan.Length == 2 && line.FirstSpan[0] == 'O' && line.FirstSpan[1] == 'K')
                    {
                        result = s_ok;
                        return true;
                    }

                    var text = Encoding.UTF8.GetString(line);
                    result = RedisResult.Create(type switch
                    {
                        (byte)'-' => RedisResultType.Error,
                        (byte)'(' => RedisResultType.BulkString,
                        _ => RedisResultType.SimpleString,
                    }, text);
                    return true;
                }

            case (byte)':':
                {
                    if (!TryReadNumber(ref reader, streamOffset, "an integer", out var value))
                    {
                        return false;
                    }

                    result = value switch
                    {
                        0 => s_zero,
                        1 => s_one,
                        _ => RedisResult.Create(RedisResultType.Integer, value),
                    };
                    return true;
                }

            case (byte)',':
                {
                    var lineOffset = streamOffset + reader.Consumed;
                    if (!TryReadLine(ref reader, streamOffset, 64, out var line))
                    {
                        return false;
                    }

                    result = RedisResult.Create(RedisResultType.Double, ParseDouble(line, lineOffset));
                    return true;
                }

            case (byte)'#':
                {
                    var lineOffset = streamOffset + reader.Consumed;
                    if (!TryReadLine(ref reader, streamOffset, 8, out var line))
                    {
                        return false;
                    }

                    var span = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
                    result = span.Length == 1 && span[0] == 't' ? s_true
                        : span.Length == 1 && span[0] == 'f' ? s_false
                        : throw Malformed(lineOffset, "'t' or 'f' after '#' (a RESP3 boolean)", span);
                    return true;
                }

            case (byte)'_':
                {
                    var lineOffset = streamOffset + reader.Consumed;
                    if (!TryReadLine(ref reader, streamOffset, 8, out var line))
                    {
                        return false;
                    }

                    if (line.Length != 0)
                    {
                        throw Malformed(lineOffset, "CRLF right after '_' (a RESP3 null)", line.ToArray());
                    }

                    result = s_null;
                    return true;
                }

            case (byte)'$':
            case (byte)'!':
            case (byte)'=':
                return TryReadBulk(ref reader, streamOffset, type, out result);

            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
            case (byte)'%':
            case (byte)'|':
                return TryReadAggregate(ref reader, streamOffset, type, depth, out result);

            default:
                throw Malformed(typeOffset, "a RESP type byte (one of + - : $ * _ , # ! = ( % ~ > |)", [type]);
        }
    }

    private static bool TryReadBulk(ref SequenceReader<byte> reader, long streamOffset, byte type, out RedisResult? result)
    {
        result = null;
        var lineOffset = streamOffset + reader.Consumed;
        if (!TryReadNumber(ref reader, streamOffset, "a bulk string length", out var length))
        {
            return false;
        }

        if (length == -1 && type == '$')
        {
            result = s_null;
            return true;
        }

        if (length < 0 || length > MaxBulkLength)
        {
            throw Malformed(lineOffset, "a bulk length between 0 and 536870912 (or -1 for a null bulk string)",
                Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture)));
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        var dataOffset = streamOffset + reader.Consumed;
        var count = (int)length;
        if (type == '=')
        {
            // Verbatim string: "txt:" or "mkd:" then the text; the caller gets the text only.
            Span<byte> format = stackalloc byte[4];
            if (count < 4 || !reader.TryCopyTo(format) || format[3] != ':')
            {
                throw Malformed(dataOffset, "a 3-letter format and ':' at the start of a RESP3 verbatim string",
                    count >= 4 ? format.ToArray() : []);
            }

            reader.Advance(4);
            count -= 4;
        }

        // The one copy: from the pipe's segments straight into the caller's array.
        var bytes = count == 0 ? [] : GC.AllocateUninitializedArray<byte>(count);
        reader.TryCopyTo(bytes);
        reader.Advance(count);

        var crlfOffset = streamOffset + reader.Consumed;
        reader.TryRead(out var cr);
        reader.TryRead(out var lf);
        if (cr != '\r' || lf != '\n')
        {
            throw Malformed(crlfOffset, $"CRLF after a bulk string of {length} bytes", [cr, lf]);
        }

        result = type == '!'
            ? RedisResult.Create(RedisResultType.Error, Encoding.UTF8.GetString(bytes))
            : RedisResult.Create(RedisResultType.BulkString, bytes);
        return true;
    }

    private static bool TryReadAggregate(ref SequenceReader<byte> reader, long streamOffset, byte type, int depth, out RedisResult? result)
    {
        result = null;
        var lineOffset = streamOffset + reader.Consumed;
        if (depth >= MaxDepth)
        {
            throw Malformed(lineOffset - 1, $"at most {MaxDepth} levels of nested aggregates", [type]);
        }

        if (!TryReadNumber(ref reader, streamOffset, "an element count", out var count))
        {
            return false;
        }

        if (count == -1 && type == '*')
        {
            result = s_null;
            return true;
        }

        var pairs = type is (byte)'%' or (byte)'|';
        if (count < 0 || count > (pairs ? int.MaxValue / 2 : int.MaxValue))
        {
            throw Malformed(lineOffset, "an element count of 0 or more (or -1 for a null array)",
                Encoding.ASCII.GetBytes(count.ToString(CultureInfo.InvariantCulture)));
        }

        var items = (int)count * (pairs ? 2 : 1);

        // Every element takes at least 3 bytes; do not allocate for elements that have not arrived.
        if (reader.Remaining < (long)items * 3)
        {
            return false;
        }

        var array = items == 0 ? [] : new RedisResult[items];
        for (var i = 0; i < items; i++)
        {
            if (!TryRead(ref reader, streamOffset, depth + 1, out var item))
            {
                return false;
            }

            array[i] = item!;
        }

        if (type == '|')
        {
            // Attributes describe the next reply; this client has no use for them, so they are skipped.
            return TryRead(ref reader, streamOffset, depth, out result);
        }

        result = RedisResult.CreateArray(type == '%' ? RedisResultType.Map : RedisResultType.Array, array);
        return true;
    }

    private static bool TryReadNumber(ref SequenceReader<byte> reader, long streamOffset, string what, out long value)
    {
        value = 0;
        var lineOffset = streamOffset + reader.Consumed;
        if (!TryReadLine(ref reader, streamOffset, MaxNumberLineLength, out var line))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[MaxNumberLineLength];
        line.CopyTo(buffer);
        var span = buffer[..(int)line.Length];
        if (span.Length == 0 || !Utf8Parser.TryParse(span, out value, out var consumed) || consumed != span.Length)
        {
            throw Malformed(lineOffset, what + " (decimal digits, optional '-', then CRLF)", span);
        }

        return true;
    }

    /// <summary>Reads up to CRLF (not included). False when the CRLF has not arrived yet.</summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, long streamOffset, int maxLength, out ReadOnlySequence<byte> line)
    {
        var lineOffset = streamOffset + reader.Consumed;
        var unread = reader.UnreadSequence;
        var cr = unread.PositionOf((byte)'\r');
        var lengthBeforeCr = cr is null ? unread.Length : unread.Slice(0, cr.Value).Length;
        var searched = unread.Slice(0, Math.Min(lengthBeforeCr, maxLength + 1));

        var lf = searched.PositionOf((byte)'\n');
        if (lf is not null)
        {
            throw Malformed(lineOffset + searched.Slice(0, lf.Value).Length, "CR before LF (lines end with CRLF)", [(byte)'\n']);
        }

        if (lengthBeforeCr > maxLength)
        {
            throw Malformed(lineOffset + maxLength, $"CRLF within {maxLength} bytes of the line start",
                searched.Slice(maxLength, 1).ToArray());
        }

        line = default;
        if (cr is null || lengthBeforeCr + 2 > unread.Length)
        {
            return false;
        }

        line = unread.Slice(0, cr.Value);
        reader.Advance(lengthBeforeCr + 1);
        reader.TryRead(out var next);
        if (next != '\n')
        {
            throw Malformed(lineOffset + lengthBeforeCr + 1, "LF after CR", [next]);
        }

        return true;
    }

    private static double ParseDouble(ReadOnlySequence<byte> line, long lineOffset)
    {
        var span = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (span.SequenceEqual("inf"u8) || span.SequenceEqual("+inf"u8))
        {
            return double.PositiveInfinity;
        }

        if (span.SequenceEqual("-inf"u8))
        {
            return double.NegativeInfinity;
        }

        if (span.SequenceEqual("nan"u8) || span.SequenceEqual("-nan"u8))
        {
            return double.NaN;
        }

        if (span.Length > 0 && double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        throw Malformed(lineOffset, "a RESP3 double (digits, '.', exponent, inf, -inf or nan)", span);
    }

    private static RedisProtocolException Malformed(long offset, string expected, ReadOnlySpan<byte> found)
    {
        var shown = found.Length > 32 ? found[..32] : found;
        var text = new StringBuilder();
        foreach (var b in shown)
        {
            text.Append(b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}");
        }

        return new RedisProtocolException(
            $"Malformed RESP from the server at byte offset {offset}: expected {expected}, found \"{text}\". " +
            "The connection is dropped and re-established; no reply was delivered from these bytes.");
    }
}
