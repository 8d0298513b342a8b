using System.Globalization;

namespace Hosting.Processes;

/// <summary>
/// One pid file per running replica in the state folder, so that the next start can end what a killed AppHost
/// left behind. A pid is only trusted together with its start time: pids are reused by the kernel.
/// </summary>
internal sealed class PidFileStore(string stateDirectory)
{
    private readonly string _directory = Path.Combine(stateDirectory, "pids");

    public void Write(string instanceId, int pid)
    {
        Directory.CreateDirectory(_directory);
        var startTime = UnixProcess.GetStartTime(pid) ?? 0;
        File.WriteAllText(PathOf(instanceId), $"{pid}\n{startTime}\n{UnixProcess.GetCommandLine(pid)}\n");
    }

    public void Delete(string instanceId)
    {
        File.Delete(PathOf(instanceId));
    }

    /// <summary>
    /// Claims the state folder for this AppHost. Two AppHosts on one folder would end each other's servers as
    /// leftovers, so a live owner is an error.
    /// </summary>
    public void ClaimStateDirectory()
    {
        var ownerFile = Path.Combine(stateDirectory, "apphost.pid");
        if (File.Exists(ownerFile))
        {
            var lines = File.ReadAllLines(ownerFile);
            if (lines.Length >= 2
                && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime)
                && UnixProcess.GetStartTime(pid) == startTime
                && UnixProcess.IsAlive(pid))
            {
                throw new DistributedApplicationException(
                    $"Another AppHost (pid {pid}) is running on the state folder {stateDirectory}: stop it, or choose another folder with --state-dir <folder>.");
            }
        }
        var self = Environment.ProcessId;
        File.WriteAllText(ownerFile, $"{self}\n{UnixProcess.GetStartTime(self)}\n");
    }

    /// <summary>Releases the state folder at a clean stop.</summary>
    public void ReleaseStateDirectory()
    {
        File.Delete(Path.Combine(stateDirectory, "apphost.pid"));
    }

    /// <summary>Kills the process tree of every pid file whose process is still the one that was recorded.</summary>
    public List<string> EndLeftovers()
    {
        var ended = new List<string>();
        var killed = new List<(int Pid, long StartTime)>();
        if (!Directory.Exists(_directory))
        {
            return ended;
        }
        foreach (var file in Directory.GetFiles(_directory, "*.pid"))
        {
            var lines = File.ReadAllLines(file);
            if (lines.Length >= 2
                && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime)
                && UnixProcess.GetStartTime(pid) == startTime)
            {
                // SIGKILL at once: these processes have no supervisor left and their clients are being ended too.
                var tree = UnixProcess.GetTree(pid);
                UnixProcess.KillTree(tree);
                killed.AddRange(tree);
                ended.Add($"{Path.GetFileNameWithoutExtension(file)} (pid {pid}: {(lines.Length > 2 ? lines[2] : "")})");
            }
            File.Delete(file);
        }

        // Wait until they are gone (or zombies): their ports and data folders are free only then.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (killed.Any(p => UnixProcess.GetStartTime(p.Pid) == p.StartTime && UnixProcess.IsAlive(p.Pid)) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }
        return ended;
    }

    private string PathOf(string instanceId) => Path.Combine(_directory, instanceId + ".pid");
}
