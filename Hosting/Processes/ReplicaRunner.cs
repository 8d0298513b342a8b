using System.Diagnostics;

namespace Hosting.Processes;

/// <summary>
/// Supervises one replica: launches it, follows its health, restarts it with back-off when it exits by itself,
/// and stops it (signal, wait, then kill the whole tree).
/// </summary>
internal sealed class ReplicaRunner
{
    private static readonly TimeSpan s_healthyInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_startingInterval = TimeSpan.FromMilliseconds(100);

    private readonly ResourceLauncher _launcher;
    private readonly int _replica;
    private readonly ResourceNotificationService _notifications;
    private readonly PidFileStore _pidFiles;
    private readonly DistributedApplicationOptions _options;
    private readonly object _lock = new();
    private CancellationTokenSource? _runCts;
    private Task _runTask = Task.CompletedTask;
    private Process? _process;
    private int _restarts;
    private bool _stopRequested;
    private ResourceSnapshot _snapshot;

    public ReplicaRunner(ResourceLauncher launcher, int replica, ResourceNotificationService notifications,
        PidFileStore pidFiles, DistributedApplicationOptions options)
    {
        _launcher = launcher;
        _replica = replica;
        _notifications = notifications;
        _pidFiles = pidFiles;
        _options = options;
        _snapshot = new ResourceSnapshot
        {
            Name = launcher.Resource.Name,
            ResourceType = launcher.Resource.ResourceType,
            Replica = replica,
            State = ResourceState.Waiting,
            Endpoints = launcher.GetEndpoints(replica),
        };
        _notifications.Publish(_snapshot);
    }

    public string InstanceId => _snapshot.InstanceId;

    public LogBuffer Logs { get; } = new();

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public void Start()
    {
        lock (_lock)
        {
            if (!_runTask.IsCompleted)
            {
                return;
            }
            _stopRequested = false;
            _runCts = new CancellationTokenSource();
            _runTask = Task.Run(() => RunAsync(_runCts.Token));
        }
    }

    /// <summary>Asks the process to stop, waits up to the stop timeout, then kills what is left of its tree.</summary>
    public async Task StopAsync()
    {
        Process? process;
        lock (_lock)
        {
            _stopRequested = true;
            _runCts?.Cancel();
            process = _process;
        }
        if (process is not null)
        {
            await StopProcessTreeAsync(process).ConfigureAwait(false);
        }
        await _runTask.ConfigureAwait(false);
    }

    /// <summary>SIGKILL without asking (a crash, for failure tests); supervision then restarts it.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is not null && !process.HasExited)
        {
            UnixProcess.KillTree(UnixProcess.GetTree(process.Id));
        }
    }

    private async Task StopProcessTreeAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }
        var tree = UnixProcess.GetTree(process.Id);
        Publish(_snapshot with { State = ResourceState.Stopping });
        UnixProcess.Signal(process.Id, _launcher.StopSignal);
        using var timeout = new CancellationTokenSource(_options.StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log($"did not stop within {_options.StopTimeout.TotalSeconds:0} s; killing its process tree", isError: true);
        }
        // Children of a stopped parent may survive it (re-parented to init); end them all.
        UnixProcess.KillTree(tree);
        UnixProcess.KillTree(UnixProcess.GetTree(process.Id));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        while (!cancellationToken.IsCancellationRequested)
        {
            Publish(_snapshot with { State = ResourceState.Starting, Pid = null, ExitCode = null, Message = null });
            ProcessSpec spec;
            Process process;
            try
            {
                spec = await _launcher.PrepareAsync(_replica, cancellationToken).ConfigureAwait(false);
                process = Launch(spec);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Whatever went wrong while preparing (missing binary or build, initdb, permissions) is reported
                // as the state, with the message, instead of leaving the replica "Starting" forever.
                Log(ex.Message, isError: true);
                Publish(_snapshot with { State = ResourceState.FailedToStart, Message = ex.Message });
                return;
            }

            var startedAt = Stopwatch.GetTimestamp();
            _pidFiles.Write(InstanceId, process.Id);
            Publish(_snapshot with { State = ResourceState.Running, Pid = process.Id });

            using var healthCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var health = MonitorHealthAsync(healthCts.Token);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await healthCts.CancelAsync().ConfigureAwait(false);
            await health.ConfigureAwait(false);
            _pidFiles.Delete(InstanceId);
            var exitCode = process.ExitCode;
            lock (_lock)
            {
                // Not disposed here: StopAsync may still be reading it; the GC releases its handles.
                _process = null;
            }

            if (_stopRequested)
            {
                break;
            }

            var lastLines = string.Join('\n', Logs.GetLines(10).Select(l => l.Text));
            Log($"exited with code {exitCode}; restarting in {backoff.TotalSeconds:0.#} s", isError: true);
            Publish(_snapshot with { State = ResourceState.Exited, Pid = null, ExitCode = exitCode, Message = lastLines });

            // A replica that ran for a while gets a fresh back-off; one that crashes at once backs off up to 10 s.
            if (Stopwatch.GetElapsedTime(startedAt) > TimeSpan.FromSeconds(30))
            {
                backoff = TimeSpan.FromMilliseconds(500);
            }
            try
            {
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            _restarts++;
            Publish(_snapshot with { Restarts = _restarts });
        }
        Publish(_snapshot with { State = ResourceState.Stopped, Pid = null });
    }

    private Process Launch(ProcessSpec spec)
    {
        // setsid (util-linux) gives the child its own session and execs in place, so the pid stays the server's.
        // Ctrl+C in the terminal then reaches only the AppHost, which stops the resources in reverse order.
        var startInfo = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(spec.FileName);
        foreach (var arg in spec.Arguments)
        {
            startInfo.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in spec.Environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnOutput(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => OnOutput(e.Data, isError: true);
        if (!process.Start())
        {
            throw new DistributedApplicationException($"Could not start {spec}.");
        }
        lock (_lock)
        {
            _process = process;
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task MonitorHealthAsync(CancellationToken cancellationToken)
    {
        if (!_launcher.HasHealthCheck)
        {
            Publish(_snapshot with { State = ResourceState.Healthy });
            return;
        }
        var healthyOnce = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            bool healthy;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                healthy = await _launcher.CheckHealthAsync(_replica, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Any failure of a probe (refused, timeout, protocol error) means "not healthy yet".
                healthy = false;
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            if (healthy && _snapshot.State != ResourceState.Healthy)
            {
                Publish(_snapshot with { State = ResourceState.Healthy });
                healthyOnce = true;
            }
            else if (!healthy && healthyOnce && _snapshot.State == ResourceState.Healthy)
            {
                Publish(_snapshot with { State = ResourceState.Unhealthy });
            }
            try
            {
                await Task.Delay(healthyOnce ? s_healthyInterval : s_startingInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnOutput(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }
        Logs.Add(new LogLine(DateTimeOffset.UtcNow, line, isError));
        if (_options.WriteResourceLogsToConsole)
        {
            ConsoleLogWriter.Write(InstanceId, line, isError);
        }
    }

    private void Log(string message, bool isError) => OnOutput($"[apphost] {message}", isError);

    private void Publish(ResourceSnapshot snapshot)
    {
        lock (_lock)
        {
            // A stop request wins over late updates from the health loop.
            if (_stopRequested && snapshot.State is ResourceState.Healthy or ResourceState.Unhealthy or ResourceState.Running)
            {
                return;
            }
            _snapshot = snapshot;
        }
        _notifications.Publish(snapshot);
    }
}
