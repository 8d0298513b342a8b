using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Hosting.Cluster;

/// <summary>
/// One <c>redis-server</c> process of the cluster: launched from its port, folder and password, its output kept
/// in a bounded log, stopped with SIGTERM, then SIGKILL after 5 s.
/// </summary>
internal sealed class ClusterNodeProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(5);

    private readonly Queue<string> _log = new();
    private readonly int _logLines;
    private Process? _process;

    public ClusterNodeProcess(int port, int busPort, string directory, int logLines)
    {
        Port = port;
        BusPort = busPort;
        Directory = directory;
        _logLines = logLines;
    }

    public int Port { get; }

    public int BusPort { get; }

    public string Directory { get; }

    /// <summary>The process id while it runs.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the process wrote (stdout and stderr).</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToArray();
            }
        }
    }

    public void Start(RedisClusterOptions options, string password)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"The node on port {Port} is already running.");
        }

        _process?.Dispose();
        System.IO.Directory.CreateDirectory(Directory);
        // setsid gives the node its own session (and execs in place, so the pid is the server's): Ctrl+C in the
        // terminal reaches only the host, which stops the clients before the cluster, as the Hosting supervisor does.
        var startInfo = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        var timeout = ((long)options.NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        foreach (var arg in new[]
        {
            options.RedisServerPath,
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--cluster-port", BusPort.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--cluster-enabled", "yes",
            "--cluster-config-file", $"nodes-{Port}.conf",
            "--cluster-node-timeout", timeout,
            "--requirepass", password,
            "--masterauth", password,
            "--save", string.Empty,
            "--appendonly", "no",
            "--dir", Directory,

            // Redis waits 5 s for more replicas before a diskless full sync; a replica that has not synced cannot be
            // promoted, so that wait would be a 5 s window after create/add-replica in which a failover cannot happen.
            "--repl-diskless-sync-delay", "0",
        })
        {
            startInfo.ArgumentList.Add(arg);
        }

        if (!IsExecutable(options.RedisServerPath))
        {
            throw new InvalidOperationException(
                $"'{options.RedisServerPath}' was not found. Install Redis 7 (eng/prerequisites.sh) or set RedisClusterOptions.RedisServerPath.");
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"'{options.RedisServerPath}' did not start.");

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL at once: the node gets no chance to hand anything over (used to watch a failover).</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            _ = SendSignal(process.Id, SigKill);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM, wait up to 5 s, then SIGKILL.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        _ = SendSignal(process.Id, SigTerm);
        using var grace = new CancellationTokenSource(s_stopGrace);
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process?.Dispose();
    }

    private static bool IsExecutable(string path) =>
        path.Contains('/', StringComparison.Ordinal)
            ? File.Exists(path)
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, path)));

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > _logLines)
            {
                _log.Dequeue();
            }
        }
    }

    // Process.Kill only sends SIGKILL; a graceful stop needs SIGTERM, which .NET does not expose. DllImport rather
    // than LibraryImport because the latter needs AllowUnsafeBlocks in the project.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
#pragma warning restore SYSLIB1054
}
