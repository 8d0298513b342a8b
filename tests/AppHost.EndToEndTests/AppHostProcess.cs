using System.Diagnostics;
using System.Text;

namespace AppHost.EndToEndTests;

/// <summary>The built AppHost (AppHost/bin/&lt;configuration&gt;/net10.0/AppHost.dll) run as a person runs it.</summary>
public sealed class AppHostProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();

    private AppHostProcess(Process process)
    {
        Process = process;
    }

    /// <summary>The dotnet process running AppHost.dll.</summary>
    public Process Process { get; }

    /// <summary>Standard output and error so far.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The repository's root (the folder holding Aspire.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Starts the AppHost with <paramref name="args"/>, its working folder the repository root.</summary>
    public static AppHostProcess Start(params string[] args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(RepositoryRoot, "AppHost", "bin", configuration, "net10.0", "AppHost.dll");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new AppHostProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Runs the AppHost until it exits by itself (bad options); returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(params string[] args)
    {
        using var process = Start(args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The AppHost did not exit with {string.Join(' ', args)}: {process.Output}");
        }
        process.Process.WaitForExit();
        return (process.Process.ExitCode, process.Output);
    }

    /// <summary>Waits until a line containing <paramref name="text"/> was written; returns that line.</summary>
    public async Task<string> WaitForLineAsync(string text, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = Output.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line.Trim();
            }
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"The AppHost exited ({Process.ExitCode}) before writing '{text}': {Output}");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>
    /// Every process this AppHost started: its descendants, and DCP (which runs detached and watches the AppHost's
    /// pid) with its own descendants. Taken while it runs, to check after a stop that none is left.
    /// </summary>
    public IReadOnlyList<ProcessIdentity> SnapshotTree()
    {
        var all = ProcessIdentity.All();
        var roots = new List<int> { Process.Id };
        roots.AddRange(all.Where(p => p.CommandLine.Contains($"--monitor {Process.Id}", StringComparison.Ordinal)).Select(p => p.Pid));
        var tree = new List<ProcessIdentity>();
        var queue = new Queue<int>(roots);
        while (queue.TryDequeue(out var pid))
        {
            if (all.FirstOrDefault(p => p.Pid == pid) is { } process && tree.All(p => p.Pid != pid))
            {
                tree.Add(process);
                foreach (var child in all.Where(p => p.ParentPid == pid))
                {
                    queue.Enqueue(child.Pid);
                }
            }
        }
        return tree;
    }

    /// <summary>Sends SIGTERM (as Ctrl+C's SIGINT would) and waits until the AppHost exits.</summary>
    public async Task StopAsync(int signal = ProcessIdentity.SigTerm)
    {
        if (Process.HasExited)
        {
            return;
        }
        ProcessIdentity.Signal(Process.Id, signal);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }
        Process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lock)
        {
            _output.AppendLine(line);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aspire.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Aspire.sln not found above the test's folder.");
    }
}
