namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Brings the resource back when its process dies without anyone asking (killed, crashed): the AppHost starts it
/// again through Aspire's start command, with a back-off between attempts, and gives up after
/// <see cref="MaxRestarts"/> restarts within <see cref="Window"/>. A stop someone asked for (the dashboard's Stop,
/// <c>ResourceCommandService</c>'s stop command, the AppHost's shutdown) is never undone. Set by <c>WithAutoRestart</c>.
/// </summary>
public sealed class AutoRestartAnnotation : IResourceAnnotation
{
    /// <summary>Restarts allowed within <see cref="Window"/>; one more exit in that window is left alone, and the log says so.</summary>
    public int MaxRestarts { get; init; } = 5;

    /// <summary>The sliding window <see cref="MaxRestarts"/> counts in.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The wait before the first restart in a window; it doubles with every further restart in the window.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two restarts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a restarted process may take to be Running and Healthy before the attempt counts as failed.</summary>
    public TimeSpan HealthyTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Runs as soon as the exit is seen, before the back-off (e.g. take a replica out of a load balancer).</summary>
    public Func<AutoRestartContext, Task>? OnExited { get; init; }

    /// <summary>Runs once the restarted process is Running and Healthy (e.g. give it the configuration it had).</summary>
    public Func<AutoRestartContext, Task>? OnRestarted { get; init; }

    // Set once Aspire's lifecycle commands of the resource are wrapped (they exist only once DCP prepared the resource).
    internal int CommandsWrapped;
}
