using System.Globalization;
using System.Runtime.InteropServices;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Signals to a running local Postgres, found through its own <c>postmaster.pid</c>.</summary>
internal static partial class LocalPostgresSignals
{
    private const int SigInt = 2;

    /// <summary>
    /// Asks the server for a fast shutdown (SIGINT) when it runs: the first line of <c>data/postmaster.pid</c> is the
    /// postmaster's pid, and <c>/proc/{pid}/cmdline</c> must name postgres, so a stale file never signals another process.
    /// </summary>
    public static void FastShutdown(LocalPostgresServerResource server)
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(server.DataDirectory, "postmaster.pid"));
            if (lines.Length == 0 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 1)
            {
                return;
            }
            if (!File.ReadAllText($"/proc/{pid}/cmdline").Contains("postgres", StringComparison.Ordinal))
            {
                return;
            }
            _ = kill(pid, SigInt);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not running (no pid file, or the process is gone): nothing to stop.
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
