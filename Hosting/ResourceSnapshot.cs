namespace Hosting;

/// <summary>The observed state of one replica of a resource at one moment.</summary>
public sealed record ResourceSnapshot
{
    /// <summary>The resource name.</summary>
    public required string Name { get; init; }

    /// <summary>The resource type ("Project", "Redis", "Postgres", ...).</summary>
    public required string ResourceType { get; init; }

    /// <summary>The replica index (0 for single-process resources).</summary>
    public int Replica { get; init; }

    /// <summary>The replica id used in logs and telemetry: <c>name-i</c>.</summary>
    public string InstanceId => $"{Name}-{Replica}";

    /// <summary>The lifecycle state.</summary>
    public ResourceState State { get; init; }

    /// <summary>"Healthy", "Unhealthy", or null while not running.</summary>
    public string? Health => State switch
    {
        ResourceState.Healthy => "Healthy",
        ResourceState.Unhealthy or ResourceState.Running => "Unhealthy",
        _ => null,
    };

    /// <summary>The OS process id while running.</summary>
    public int? Pid { get; init; }

    /// <summary>The exit code after the process ended.</summary>
    public int? ExitCode { get; init; }

    /// <summary>How many times supervision restarted this replica after it exited.</summary>
    public int Restarts { get; init; }

    /// <summary>The URLs (or host:port) the replica listens on.</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = [];

    /// <summary>Why it failed to start, or the last log lines when it exited.</summary>
    public string? Message { get; init; }
}
