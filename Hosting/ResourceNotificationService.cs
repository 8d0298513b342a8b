using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Hosting;

/// <summary>
/// The observable state of every resource replica: callers watch the stream or wait for a state instead of
/// sleeping.
/// </summary>
public sealed class ResourceNotificationService
{
    private readonly ConcurrentDictionary<(string Name, int Replica), ResourceSnapshot> _snapshots = new();
    private readonly ConcurrentDictionary<Channel<ResourceEvent>, byte> _watchers = new();
    private readonly Dictionary<string, int> _replicaCounts;
    private readonly object _publishLock = new();

    internal ResourceNotificationService(IReadOnlyDictionary<string, int> replicaCounts)
    {
        _replicaCounts = new Dictionary<string, int>(replicaCounts, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The latest snapshot of every replica, ordered by name and replica.</summary>
    public IReadOnlyList<ResourceSnapshot> GetSnapshots()
        => [.. _snapshots.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Replica)];

    /// <summary>The latest snapshot of one replica, if it was published.</summary>
    public ResourceSnapshot? GetSnapshot(string name, int replica = 0)
        => _snapshots.TryGetValue((name, replica), out var snapshot) ? snapshot : null;

    /// <summary>Every snapshot now, then each change as it happens, until <paramref name="cancellationToken"/>.</summary>
    public async IAsyncEnumerable<ResourceEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ResourceEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_publishLock)
        {
            foreach (var snapshot in _snapshots.Values)
            {
                channel.Writer.TryWrite(new ResourceEvent(snapshot));
            }
            _watchers.TryAdd(channel, 0);
        }
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            _watchers.TryRemove(channel, out _);
        }
    }

    /// <summary>
    /// Completes when every replica of <paramref name="name"/> is <see cref="ResourceState.Healthy"/>; throws when
    /// one of them failed to start, so a test fails with the reason instead of hanging.
    /// </summary>
    public Task WaitForResourceHealthyAsync(string name, CancellationToken cancellationToken = default)
        => WaitForResourceAsync(name, ResourceState.Healthy, cancellationToken);

    /// <summary>Completes when every replica of <paramref name="name"/> is in <paramref name="state"/>.</summary>
    public async Task WaitForResourceAsync(string name, ResourceState state, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_replicaCounts.TryGetValue(name, out var replicas))
        {
            throw new ArgumentException($"There is no resource named '{name}'. Known resources: {string.Join(", ", _replicaCounts.Keys)}.", nameof(name));
        }

        await foreach (var _ in WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            var matching = 0;
            for (var i = 0; i < replicas; i++)
            {
                var snapshot = GetSnapshot(name, i);
                if (snapshot?.State == ResourceState.FailedToStart && state != ResourceState.FailedToStart)
                {
                    throw new DistributedApplicationException($"Resource '{snapshot.InstanceId}' failed to start: {snapshot.Message}");
                }
                if (snapshot?.State == state)
                {
                    matching++;
                }
            }
            if (matching == replicas)
            {
                return;
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    internal void Publish(ResourceSnapshot snapshot)
    {
        lock (_publishLock)
        {
            _snapshots[(snapshot.Name, snapshot.Replica)] = snapshot;
            var item = new ResourceEvent(snapshot);
            foreach (var watcher in _watchers.Keys)
            {
                watcher.Writer.TryWrite(item);
            }
        }
    }
}
