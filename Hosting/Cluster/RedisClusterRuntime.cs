using StackExchange.Redis;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>What <see cref="RedisClusterOperations"/> knows about one running cluster: its state, its connections, its last steps.</summary>
internal sealed class RedisClusterRuntime(RedisClusterResource resource)
{
    public RedisClusterResource Resource { get; } = resource;

    /// <summary>One operation at a time; a second one is refused at once (never queued behind a long move).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public object Lock { get; } = new();

    /// <summary>One multiplexer per node port, made when first needed, dropped when the node stops or fails.</summary>
    public Dictionary<int, ConnectionMultiplexer> Connections { get; } = [];

    public Queue<ClusterOperationEvent> RecentEvents { get; } = new();

    /// <summary>Nodes self-healing gave up on (they could not come back): not used as spares until the next Reset. Under <see cref="Lock"/>.</summary>
    public HashSet<string> SetAside { get; } = new(StringComparer.Ordinal);

    public string? Password { get; set; }

    /// <summary>NotStarted, Starting, Running or FailedToStart (<see cref="KnownResourceStates"/>).</summary>
    public string State { get; set; } = KnownResourceStates.NotStarted;

    /// <summary>The operation running now, for the "busy" answer.</summary>
    public string? CurrentOperation { get; set; }

    /// <summary>The running start, so that a second start waits for it rather than starting twice.</summary>
    public Task? Starting { get; set; }

    public event Action<ClusterOperationEvent>? Reported;

    public void Raise(ClusterOperationEvent item) => Reported?.Invoke(item);
}
