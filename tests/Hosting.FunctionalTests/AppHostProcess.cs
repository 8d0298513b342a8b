using System.Diagnostics;
using System.Reflection;
using System.Text;
using Hosting.Processes;

namespace Hosting.FunctionalTests;

/// <summary>A real TestAppHost process, as a user runs it; disposing it kills whatever is left of its tree.</summary>
internal sealed class AppHostProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly List<(int Pid, long StartTime)> _seen = [];

    private AppHostProcess(Process process)
    {
        Process = process;
    }

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static AppHostProcess Start(params string[] args)
    {
        var configuration = typeof(AppHostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var solution = DistributedApplicationOptions.FindSolutionDirectory(AppContext.BaseDirectory)!;
        var dll = Path.Combine(solution, "tests", "TestServices", "TestAppHost", "bin", configuration, "net10.0", "TestAppHost.dll");
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        startInfo.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = startInfo };
        var host = new AppHostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits for a line of output; fails with the whole output so far when it does not come.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (deadline.Elapsed > timeout || Process.HasExited)
            {
                Assert.Fail($"'{text}' did not appear (exited: {Process.HasExited}). Output:\n{Output}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The AppHost and every process below it right now (remembered, so Dispose can end them).</summary>
    public List<(int Pid, long StartTime)> SnapshotTree()
    {
        var tree = UnixProcess.GetTree(Process.Id);
        _seen.AddRange(tree);
        return tree;
    }

    public static List<int> StillRunning(IEnumerable<(int Pid, long StartTime)> tree)
        => [.. tree.Where(p => UnixProcess.GetStartTime(p.Pid) == p.StartTime && UnixProcess.IsAlive(p.Pid)).Select(p => p.Pid)];

    public static string Describe(IEnumerable<int> pids) => string.Join("; ", pids.Select(p => $"{p}: {UnixProcess.GetCommandLine(p)}"));

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            SnapshotTree();
        }
        UnixProcess.KillTree(_seen);
        Process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
