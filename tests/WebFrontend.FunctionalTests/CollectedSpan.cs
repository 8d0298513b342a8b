namespace WebFrontend.FunctionalTests;

/// <summary>One span as the OTLP receiver decoded it (ids as lower-case hex).</summary>
public sealed record CollectedSpan(
    string Service,
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    IReadOnlyDictionary<string, string> Attributes);
