using System.Text;

namespace WebFrontend.FunctionalTests;

/// <summary>
/// Decodes the few fields the tests need from an OTLP <c>ExportTraceServiceRequest</c> (opentelemetry-proto
/// trace.proto), reading the protobuf wire format directly instead of generating code from the .proto files.
/// </summary>
internal static class OtlpTraceDecoder
{
    public static List<CollectedSpan> Decode(ReadOnlyMemory<byte> request)
    {
        var spans = new List<CollectedSpan>();
        // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
        foreach (var (field, resourceSpans, _) in Fields(request))
        {
            if (field != 1)
            {
                continue;
            }
            // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
            var service = "";
            var scopeSpansList = new List<ReadOnlyMemory<byte>>();
            foreach (var (f, value, _) in Fields(resourceSpans))
            {
                if (f == 1)
                {
                    // Resource { repeated KeyValue attributes = 1; }
                    Attributes(value, 1).TryGetValue("service.name", out var name);
                    service = name ?? "";
                }
                else if (f == 2)
                {
                    scopeSpansList.Add(value);
                }
            }
            foreach (var scopeSpans in scopeSpansList)
            {
                // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
                var scope = "";
                foreach (var (f, value, _) in Fields(scopeSpans))
                {
                    if (f == 1)
                    {
                        // InstrumentationScope { string name = 1; }
                        scope = Fields(value).Where(x => x.Field == 1).Select(x => Encoding.UTF8.GetString(x.Value.Span)).FirstOrDefault() ?? "";
                    }
                    else if (f == 2)
                    {
                        spans.Add(DecodeSpan(service, scope, value));
                    }
                }
            }
        }
        return spans;
    }

    private static CollectedSpan DecodeSpan(string service, string scope, ReadOnlyMemory<byte> span)
    {
        // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5;
        //        SpanKind kind = 6; repeated KeyValue attributes = 9; }
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        foreach (var (f, value, number) in Fields(span))
        {
            switch (f)
            {
                case 6: kind = (int)number; break;
                case 1: traceId = Convert.ToHexString(value.Span).ToLowerInvariant(); break;
                case 2: spanId = Convert.ToHexString(value.Span).ToLowerInvariant(); break;
                case 4: parent = Convert.ToHexString(value.Span).ToLowerInvariant(); break;
                case 5: name = Encoding.UTF8.GetString(value.Span); break;
            }
        }
        return new CollectedSpan(service, scope, traceId, spanId, parent, name, kind, Attributes(span, 9));
    }

    private static Dictionary<string, string> Attributes(ReadOnlyMemory<byte> message, int field)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var (f, keyValue, _) in Fields(message))
        {
            if (f != field)
            {
                continue;
            }
            // KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; bool = 2; int = 3; ... }
            string key = "", text = "";
            foreach (var (kf, v, _) in Fields(keyValue))
            {
                if (kf == 1)
                {
                    key = Encoding.UTF8.GetString(v.Span);
                }
                else if (kf == 2)
                {
                    foreach (var (af, av, number) in Fields(v))
                    {
                        text = af == 1 ? Encoding.UTF8.GetString(av.Span) : number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }
            attributes[key] = text;
        }
        return attributes;
    }

    // The fields of a message: length-delimited ones with their bytes, varints with their number; fixed-size skipped.
    private static List<(int Field, ReadOnlyMemory<byte> Value, ulong Number)> Fields(ReadOnlyMemory<byte> message)
    {
        var fields = new List<(int, ReadOnlyMemory<byte>, ulong)>();
        var position = 0;
        var span = message.Span;
        while (position < span.Length)
        {
            var tag = ReadVarint(span, ref position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    fields.Add((field, ReadOnlyMemory<byte>.Empty, ReadVarint(span, ref position)));
                    break;
                case 1: position += 8; break;
                case 2:
                    var length = (int)ReadVarint(span, ref position);
                    fields.Add((field, message.Slice(position, length), 0));
                    position += length;
                    break;
                case 5: position += 4; break;
                default: throw new InvalidDataException($"Unsupported protobuf wire type in tag {tag}.");
            }
        }
        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = span[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
    }
}
