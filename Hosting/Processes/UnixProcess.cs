using System.Globalization;
using System.Runtime.InteropServices;

namespace Hosting.Processes;

/// <summary>
/// Linux process helpers: signals, the process tree read from /proc, and identity checks. Postgres forks a
/// backend per connection and HAProxy may fork too, so stopping only the pid we started would leave orphans.
/// </summary>
internal static class UnixProcess
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint SysGetEuid();

    public static bool IsRoot => SysGetEuid() == 0;

    public static bool Signal(int pid, int signal) => SysKill(pid, signal) == 0;

    public static bool IsAlive(int pid) => ReadStat(pid) is { } stat && stat.State != 'Z';

    /// <summary>The kernel start time (clock ticks since boot): with the pid, it identifies a process uniquely.</summary>
    public static long? GetStartTime(int pid) => ReadStat(pid)?.StartTime;

    public static string GetCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>The process and all its descendants, with their start times, parents first.</summary>
    public static List<(int Pid, long StartTime)> GetTree(int rootPid)
    {
        var children = new Dictionary<int, List<int>>();
        var startTimes = new Dictionary<int, long>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            if (ReadStat(pid) is not { } stat)
            {
                continue;
            }
            startTimes[pid] = stat.StartTime;
            if (!children.TryGetValue(stat.ParentPid, out var list))
            {
                children[stat.ParentPid] = list = [];
            }
            list.Add(pid);
        }

        var tree = new List<(int, long)>();
        if (!startTimes.TryGetValue(rootPid, out var rootStart))
        {
            return tree;
        }
        var queue = new Queue<int>();
        queue.Enqueue(rootPid);
        tree.Add((rootPid, rootStart));
        while (queue.Count > 0)
        {
            var pid = queue.Dequeue();
            if (children.TryGetValue(pid, out var list))
            {
                foreach (var child in list)
                {
                    tree.Add((child, startTimes[child]));
                    queue.Enqueue(child);
                }
            }
        }
        return tree;
    }

    /// <summary>SIGKILL every process of a tree snapshot that is still the same process (pid and start time).</summary>
    public static void KillTree(IEnumerable<(int Pid, long StartTime)> tree)
    {
        foreach (var (pid, startTime) in tree)
        {
            if (GetStartTime(pid) == startTime)
            {
                Signal(pid, SigKill);
            }
        }
    }

    /// <summary>Every pid whose command line contains <paramref name="text"/> (used by tests to find leftovers).</summary>
    public static List<int> FindByCommandLine(string text)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && IsAlive(pid)
                && GetCommandLine(pid).Contains(text, StringComparison.Ordinal))
            {
                result.Add(pid);
            }
        }
        return result;
    }

    private static (char State, int ParentPid, long StartTime)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), fields[1] field 4 (ppid), fields[19] field 22 (starttime).
        if (fields.Length < 20)
        {
            return null;
        }
        return (fields[0][0],
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[19], CultureInfo.InvariantCulture));
    }
}
