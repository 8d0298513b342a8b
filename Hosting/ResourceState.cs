namespace Hosting;

/// <summary>The lifecycle of one resource replica, as the dashboard shows it.</summary>
public enum ResourceState
{
    /// <summary>Waiting for the resources it <c>WaitFor</c>s to become healthy.</summary>
    Waiting,

    /// <summary>Being prepared or launched.</summary>
    Starting,

    /// <summary>The process runs; its health check has not passed yet.</summary>
    Running,

    /// <summary>The process runs and its health check passes (or it has none).</summary>
    Healthy,

    /// <summary>The process runs but its health check fails.</summary>
    Unhealthy,

    /// <summary>Being stopped on request.</summary>
    Stopping,

    /// <summary>Stopped on request.</summary>
    Stopped,

    /// <summary>The process ended by itself (crash or exit); it is restarted with back-off.</summary>
    Exited,

    /// <summary>It could not be started (missing binary, missing build output, bad configuration).</summary>
    FailedToStart,
}
