using System.Runtime.InteropServices;

namespace AppHost.EndToEndTests;

/// <summary>A process read from /proc: pid, parent, start time (so a reused pid is not mistaken for it) and command line.</summary>
public sealed record ProcessIdentity(int Pid, int ParentPid, long StartTime, string CommandLine)
{
    /// <summary>SIGINT, what Ctrl+C sends.</summary>
    public const int SigInt = 2;

    /// <summary>SIGKILL.</summary>
    public const int SigKill = 9;

    /// <summary>SIGTERM.</summary>
    public const int SigTerm = 15;

    /// <summary>Every process now.</summary>
    public static IReadOnlyList<ProcessIdentity> All()
    {
        var result = new List<ProcessIdentity>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Read(pid) is { } process)
            {
                result.Add(process);
            }
        }
        return result;
    }

    /// <summary>The process with <paramref name="pid"/>, or null when there is none.</summary>
    public static ProcessIdentity? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may hold spaces.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return new ProcessIdentity(pid, int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture), commandLine);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Whether this very process (same pid and start time) still runs (a zombie counts as gone).</summary>
    public bool IsRunning()
    {
        if (Read(Pid) is not { } now || now.StartTime != StartTime)
        {
            return false;
        }
        try
        {
            var state = File.ReadAllText($"/proc/{Pid}/stat");
            return state[state.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>.</summary>
    public static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Kills every process of <paramref name="processes"/> still running (cleanup after a failed test).</summary>
    public static void KillAll(IEnumerable<ProcessIdentity> processes)
    {
        foreach (var process in processes.Where(p => p.IsRunning()))
        {
            kill(process.Pid, SigKill);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
