namespace Hosting.Processes;

/// <summary>The last lines of one replica's output, bounded so a chatty process cannot grow the AppHost.</summary>
internal sealed class LogBuffer(int capacity = 2000)
{
    private readonly Queue<LogLine> _lines = new(capacity);
    private readonly object _lock = new();

    public void Add(LogLine line)
    {
        lock (_lock)
        {
            if (_lines.Count == capacity)
            {
                _lines.Dequeue();
            }
            _lines.Enqueue(line);
        }
    }

    public IReadOnlyList<LogLine> GetLines(int max = int.MaxValue)
    {
        lock (_lock)
        {
            return [.. _lines.Skip(Math.Max(0, _lines.Count - max))];
        }
    }
}
