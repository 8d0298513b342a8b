namespace Hosting;

/// <summary>One line a resource wrote to stdout or stderr.</summary>
public sealed record LogLine(DateTimeOffset Timestamp, string Text, bool IsError);
