using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer;

/// <summary>
/// Takes a replica out of the rotation without failing a request: a drained replica gets no new request (its
/// sticky clients are redistributed), the ones in flight finish, and <see cref="DrainAsync"/> returns when none is
/// left. The topology switch drains each replica before pointing it at another cache.
/// </summary>
public sealed class ReplicaDrain(IOptions<LoadBalancerOptions> options)
{
    private readonly ConcurrentDictionary<string, Replica> _replicas = new(
        options.Value.Replicas.Select(r => KeyValuePair.Create(r, new Replica())), StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="replica"/> is a replica of this load balancer.</summary>
    public bool Exists(string replica) => _replicas.ContainsKey(replica);

    /// <summary>Whether <paramref name="replica"/> is drained.</summary>
    public bool IsDrained(string replica) => _replicas.TryGetValue(replica, out var r) && r.Drained;

    /// <summary>Requests forwarded to <paramref name="replica"/> and not answered yet.</summary>
    public int InFlight(string replica) => _replicas.TryGetValue(replica, out var r) ? Volatile.Read(ref r.InFlight) : 0;

    /// <summary>
    /// Stops sending new requests to <paramref name="replica"/> and waits until the ones in flight are answered
    /// (at most <paramref name="timeout"/>); returns the requests still in flight (0 when idle).
    /// </summary>
    public async Task<int> DrainAsync(string replica, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var r = _replicas[replica];
        r.Drained = true;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // Polled, not signalled: a request chooses its replica a moment after it passed the drain filter, so
            // the count can rise once more after the flag is set; polling sees that, a one-shot signal would not.
            while (Volatile.Read(ref r.InFlight) > 0)
            {
                await Task.Delay(5, deadline.Token).ConfigureAwait(false);
            }
            await Task.Delay(5, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        return Volatile.Read(ref r.InFlight);
    }

    /// <summary>Puts <paramref name="replica"/> back into the rotation.</summary>
    public void Enable(string replica) => _replicas[replica].Drained = false;

    /// <summary>Removes drained replicas from the candidates of this request (before affinity and load balancing).</summary>
    internal void Filter(IReverseProxyFeature feature)
    {
        var available = feature.AvailableDestinations;
        var keep = 0;
        for (var i = 0; i < available.Count; i++)
        {
            keep += IsDrained(ReplicaOf(available[i])) ? 0 : 1;
        }
        if (keep == available.Count)
        {
            return;
        }
        var filtered = new List<DestinationState>(keep);
        for (var i = 0; i < available.Count; i++)
        {
            if (!IsDrained(ReplicaOf(available[i])))
            {
                filtered.Add(available[i]);
            }
        }
        feature.AvailableDestinations = filtered;
    }

    /// <summary>Counts the request against the replica load balancing chose; dispose when it is answered.</summary>
    internal Tracking Track(DestinationState destination)
        => _replicas.TryGetValue(ReplicaOf(destination), out var r) ? new Tracking(r) : default;

    /// <summary>The replica a destination belongs to: service discovery names them <c>webfrontend-0[address]</c>.</summary>
    public static string ReplicaOf(DestinationState destination)
    {
        var id = destination.DestinationId;
        var bracket = id.IndexOf('[', StringComparison.Ordinal);
        return bracket < 0 ? id : id[..bracket];
    }

    internal sealed class Replica
    {
        public volatile bool Drained;
        public int InFlight;
    }

    internal readonly struct Tracking : IDisposable
    {
        private readonly Replica? _replica;

        public Tracking(Replica replica)
        {
            _replica = replica;
            Interlocked.Increment(ref replica.InFlight);
        }

        public void Dispose()
        {
            if (_replica is not null)
            {
                Interlocked.Decrement(ref _replica.InFlight);
            }
        }
    }
}
