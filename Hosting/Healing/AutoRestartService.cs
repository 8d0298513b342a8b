using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The one watcher behind <c>WithAutoRestart</c>: it follows every resource's state in
/// <see cref="ResourceNotificationService"/>, and when a resource with an <see cref="AutoRestartAnnotation"/> goes from
/// Starting or Running to a terminal state (Finished, Exited, FailedToStart) without a stop having been asked for, starts it again
/// through <see cref="ResourceCommandService"/> (the dashboard's own start command), waits until it is Running and
/// Healthy, and says so in the resource's console log and the AppHost's log. Requested stops are known because the
/// resource's start, stop and restart commands are wrapped (<see cref="WrapLifecycleCommands"/>): every stop, from the
/// dashboard, a topology switch, a drained restart or a test, goes through them. DCP stays the only supervisor: this
/// only asks it to start what it already knows.
/// </summary>
internal sealed partial class AutoRestartService(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService loggers,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<AutoRestartService> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Tracked> _tracked = new(StringComparer.Ordinal);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        var token = stopping.Token;
        try
        {
            await foreach (var e in notifications.WatchAsync(token).ConfigureAwait(false))
            {
                if (e.Resource.TryGetLastAnnotation<AutoRestartAnnotation>(out var options))
                {
                    Observe(e, options, token);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private void Observe(ResourceEvent e, AutoRestartAnnotation options, CancellationToken token)
    {
        var tracked = Track(e.Resource.Name);
        var state = e.Snapshot.State?.Text;
        lock (tracked)
        {
            if (state == KnownResourceStates.Waiting)
            {
                // Started again, by whoever: a stop asked for earlier is over.
                tracked.StopRequested = false;
                return;
            }
            if (state == KnownResourceStates.Starting || state == KnownResourceStates.Running)
            {
                // A process was started: from now on its end is a death (also one right at its start, such as a
                // port taken meanwhile), unless it was asked for.
                tracked.StopRequested &= state != KnownResourceStates.Starting;
                tracked.WasStarted = true;
                return;
            }
            if (!KnownResourceStates.TerminalStates.Contains(state) || !tracked.WasStarted)
            {
                return;
            }
            tracked.WasStarted = false;
            if (token.IsCancellationRequested || tracked.StopRequested || tracked.CommandsInFlight > 0 || tracked.Healing is { IsCompleted: false })
            {
                return;
            }
            // The previous heal has ended (checked above); its token source is replaced under the same lock the
            // stop command cancels it under.
            tracked.Heal?.Dispose();
            tracked.Heal = CancellationTokenSource.CreateLinkedTokenSource(token);
            var heal = tracked.Heal.Token;
            var exited = new ExitInfo(state!, e.Snapshot.ExitCode, Stopwatch.StartNew());
            tracked.Healing = Task.Run(() => HealAsync(e.Resource, options, tracked, exited, heal), CancellationToken.None);
        }
    }

    private async Task HealAsync(IResource resource, AutoRestartAnnotation options, Tracked tracked, ExitInfo exited, CancellationToken token)
    {
        var log = loggers.GetLogger(resource);
        var context = new AutoRestartContext(resource, log, services, token);
        var exitCode = exited.ExitCode is { } code ? $", exit code {code}" : "";
        LogExited(log, resource.Name, exited.State, exitCode);
        LogExited(logger, resource.Name, exited.State, exitCode);
        try
        {
            await RunHookAsync(options.OnExited, context, "after the exit").ConfigureAwait(false);
            for (var attempt = 1; ; attempt++)
            {
                TimeSpan delay;
                lock (tracked)
                {
                    var now = DateTime.UtcNow;
                    while (tracked.Restarts.TryPeek(out var oldest) && now - oldest > options.Window)
                    {
                        tracked.Restarts.Dequeue();
                    }
                    if (tracked.Restarts.Count >= options.MaxRestarts)
                    {
                        LogGaveUp(log, resource.Name, tracked.Restarts.Count, options.Window.TotalMinutes);
                        LogGaveUp(logger, resource.Name, tracked.Restarts.Count, options.Window.TotalMinutes);
                        return;
                    }
                    // Doubles with each restart in the window: a process that keeps dying is tried less and less often.
                    delay = TimeSpan.FromTicks(Math.Min(options.MaxDelay.Ticks, options.FirstDelay.Ticks << Math.Min(tracked.Restarts.Count, 20)));
                    tracked.Restarts.Enqueue(now + delay);
                }
                LogRestarting(log, resource.Name, delay.TotalSeconds, attempt);
                await Task.Delay(delay, token).ConfigureAwait(false);
                if (!IsStillDown(resource.Name, tracked))
                {
                    LogNotNeeded(log, resource.Name);
                    return;
                }
                var before = notifications.TryGetCurrentState(resource.Name, out var current) ? current.Snapshot.StartTimeStamp : null;
                var result = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, token).ConfigureAwait(false);
                var failure = result.Success
                    ? await WaitUntilHealthyAsync(resource.Name, before, options.HealthyTimeout, token).ConfigureAwait(false)
                    : $"the start command failed: {result.Message}";
                if (failure is null)
                {
                    LogBack(log, resource.Name, exited.Clock.Elapsed.TotalSeconds, attempt);
                    LogBack(logger, resource.Name, exited.Clock.Elapsed.TotalSeconds, attempt);
                    await RunHookAsync(options.OnRestarted, context, "after the restart").ConfigureAwait(false);
                    return;
                }
                LogAttemptFailed(log, resource.Name, attempt, failure);
                LogAttemptFailed(logger, resource.Name, attempt, failure);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The AppHost stops, or someone stopped the resource: nothing to heal.
        }
    }

    /// <summary>Null once the resource's new process is Running and Healthy; otherwise why not.</summary>
    private async Task<string?> WaitUntilHealthyAsync(string name, DateTime? startedBefore, TimeSpan timeout, CancellationToken token)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(token);
        bound.CancelAfter(timeout);
        // The snapshot still shows the dead process until DCP reports the new one: only states seen after the start
        // (or a new start time) count.
        var started = false;
        try
        {
            await foreach (var e in notifications.WatchAsync(bound.Token).ConfigureAwait(false))
            {
                if (e.Resource.Name != name)
                {
                    continue;
                }
                var state = e.Snapshot.State?.Text;
                started |= e.Snapshot.StartTimeStamp != startedBefore || !KnownResourceStates.TerminalStates.Contains(state);
                if (!started)
                {
                    continue;
                }
                if (state == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy)
                {
                    return null;
                }
                if (KnownResourceStates.TerminalStates.Contains(state))
                {
                    return $"it ended again ({state}{(e.Snapshot.ExitCode is { } code ? $", exit code {code}" : "")})";
                }
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
        }
        return $"not Running and Healthy within {timeout.TotalSeconds:0} s";
    }

    private bool IsStillDown(string name, Tracked tracked)
    {
        lock (tracked)
        {
            if (tracked.StopRequested || tracked.CommandsInFlight > 0)
            {
                return false;
            }
        }
        return !notifications.TryGetCurrentState(name, out var current) || KnownResourceStates.TerminalStates.Contains(current.Snapshot.State?.Text);
    }

    private async Task RunHookAsync(Func<AutoRestartContext, Task>? hook, AutoRestartContext context, string when)
    {
        if (hook is null)
        {
            return;
        }
        try
        {
            await hook(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            LogHookFailed(context.Logger, context.Resource.Name, when, ex.Message);
            LogHookFailed(logger, context.Resource.Name, when, ex.Message);
        }
    }

    private Tracked Track(string name) => _tracked.GetOrAdd(name, _ => new Tracked());

    /// <summary>
    /// Replaces the resource's start, stop and restart commands (Aspire adds them once DCP prepared the resource,
    /// before its first start) with ones that tell this service first: a stop is asked for, or a start/restart is in
    /// progress (its intermediate exit is no death). Everything else about them stays Aspire's.
    /// </summary>
    internal void WrapLifecycleCommands(IResource resource, AutoRestartAnnotation options)
    {
        if (Interlocked.Exchange(ref options.CommandsWrapped, 1) == 1)
        {
            return;
        }
        var tracked = Track(resource.Name);
        var annotations = resource.Annotations;
        for (var i = 0; i < annotations.Count; i++)
        {
            if (annotations[i] is not ResourceCommandAnnotation command)
            {
                continue;
            }
            Func<ExecuteCommandContext, Task<ExecuteCommandResult>>? wrapped = null;
            if (command.Name == KnownResourceCommands.StopCommand)
            {
                wrapped = async context =>
                {
                    lock (tracked)
                    {
                        tracked.StopRequested = true;
                        tracked.Heal?.Cancel();
                    }
                    return await command.ExecuteCommand(context).ConfigureAwait(false);
                };
            }
            else if (command.Name == KnownResourceCommands.StartCommand || command.Name == KnownResourceCommands.RestartCommand)
            {
                wrapped = async context =>
                {
                    lock (tracked)
                    {
                        tracked.StopRequested = false;
                        tracked.CommandsInFlight++;
                    }
                    try
                    {
                        return await command.ExecuteCommand(context).ConfigureAwait(false);
                    }
                    finally
                    {
                        lock (tracked)
                        {
                            tracked.CommandsInFlight--;
                        }
                    }
                };
            }
            if (wrapped is null)
            {
                continue;
            }
            annotations[i] = new ResourceCommandAnnotation(command.Name, command.DisplayName, command.UpdateState, wrapped,
                command.DisplayDescription, command.Arguments, command.ConfirmationMessage, command.IconName, command.IconVariant,
                command.IsHighlighted, command.Visibility, command.ValidateArguments);
        }
    }

    private sealed class Tracked
    {
        public bool WasStarted;
        public bool StopRequested;
        public int CommandsInFlight;
        public Task? Healing;
        public CancellationTokenSource? Heal;
        public readonly Queue<DateTime> Restarts = new();
    }

    private sealed record ExitInfo(string State, int? ExitCode, Stopwatch Clock);

    [LoggerMessage(Level = LogLevel.Warning, Message = "auto-restart: {Resource} exited without a stop being asked for ({State}{ExitCode})")]
    private static partial void LogExited(ILogger logger, string resource, string state, string exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "auto-restart: starting {Resource} in {DelaySeconds:0.0} s (attempt {Attempt})")]
    private static partial void LogRestarting(ILogger logger, string resource, double delaySeconds, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "auto-restart: {Resource} is Running and Healthy again, {Seconds:0.0} s after it exited (attempt {Attempt})")]
    private static partial void LogBack(ILogger logger, string resource, double seconds, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "auto-restart: attempt {Attempt} to bring {Resource} back failed: {Failure}")]
    private static partial void LogAttemptFailed(ILogger logger, string resource, int attempt, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "auto-restart: giving up on {Resource}: {Restarts} restarts within {WindowMinutes:0.#} min; start it from the dashboard when the cause is fixed")]
    private static partial void LogGaveUp(ILogger logger, string resource, int restarts, double windowMinutes);

    [LoggerMessage(Level = LogLevel.Information, Message = "auto-restart: {Resource} was started or stopped by someone else meanwhile; nothing to do")]
    private static partial void LogNotNeeded(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Warning, Message = "auto-restart: the step {When} of {Resource} failed: {Message}")]
    private static partial void LogHookFailed(ILogger logger, string resource, string when, string message);
}
