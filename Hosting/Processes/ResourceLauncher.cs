using Hosting.ApplicationModel;

namespace Hosting.Processes;

/// <summary>
/// How one kind of resource becomes a process: what to prepare and launch, how to tell it is healthy, and
/// which signal asks it to stop gracefully.
/// </summary>
internal abstract class ResourceLauncher(Resource resource)
{
    public Resource Resource { get; } = resource;

    /// <summary>Prepares the state folder (initdb, config files) and returns the launch spec of one replica.</summary>
    public abstract Task<ProcessSpec> PrepareAsync(int replica, CancellationToken cancellationToken);

    /// <summary>False means: healthy as soon as it runs (as Aspire treats resources without health checks).</summary>
    public virtual bool HasHealthCheck => false;

    public virtual Task<bool> CheckHealthAsync(int replica, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>Postgres treats SIGTERM as "wait for clients to leave"; SIGINT is its fast shutdown.</summary>
    public virtual int StopSignal => UnixProcess.SigTerm;

    public virtual IReadOnlyList<string> GetEndpoints(int replica) => [];
}
