namespace Hosting;

/// <summary>Writes AppHost and resource output to the console, each line prefixed with the replica id in its own colour.</summary>
public static class ConsoleLogWriter
{
    private static readonly string[] s_colors = ["\u001b[36m", "\u001b[33m", "\u001b[35m", "\u001b[32m", "\u001b[34m", "\u001b[96m", "\u001b[93m", "\u001b[95m"];
    private static readonly object s_lock = new();
    private static readonly bool s_useColor = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;

    /// <summary>Writes one line of a replica's output.</summary>
    public static void Write(string instanceId, string line, bool isError)
    {
        var prefix = instanceId.PadRight(14);
        lock (s_lock)
        {
            if (s_useColor)
            {
                var color = s_colors[(int)((uint)StableHash(instanceId) % (uint)s_colors.Length)];
                Console.Out.WriteLine($"{color}{prefix}\u001b[0m {(isError ? "\u001b[31m" + line + "\u001b[0m" : line)}");
            }
            else
            {
                Console.Out.WriteLine($"{prefix} {line}");
            }
        }
    }

    /// <summary>Writes a line from the AppHost itself.</summary>
    public static void WriteInfo(string line)
    {
        lock (s_lock)
        {
            Console.Out.WriteLine(s_useColor ? $"\u001b[1mapphost\u001b[0m        {line}" : $"apphost        {line}");
        }
    }

    /// <summary>Writes an error of the AppHost itself.</summary>
    public static void WriteError(string line)
    {
        lock (s_lock)
        {
            Console.Error.WriteLine(s_useColor ? $"\u001b[1;31mapphost error\u001b[0m  {line}" : $"apphost error  {line}");
        }
    }

    /// <summary>Announces where the dashboard is.</summary>
    public static void WriteDashboardUrl(int port) => WriteInfo($"Dashboard: http://127.0.0.1:{port}/  (JSON: /api/resources)");

    // string.GetHashCode is randomised per process; a stable hash keeps each resource's colour across runs.
    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = (hash * 31) + c;
        }
        return hash;
    }
}
