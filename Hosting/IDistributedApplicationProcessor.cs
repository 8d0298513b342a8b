namespace Hosting;

/// <summary>
/// A part of the run loop (the dashboard, the resource orchestrator): started in the order added, stopped in
/// reverse.
/// </summary>
public interface IDistributedApplicationProcessor
{
    /// <summary>Starts the processor; the application's ports are allocated already.</summary>
    Task StartAsync(DistributedApplication application, CancellationToken cancellationToken);

    /// <summary>Stops the processor.</summary>
    Task StopAsync(DistributedApplication application, CancellationToken cancellationToken);
}
