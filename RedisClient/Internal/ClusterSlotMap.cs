using System.Net;

namespace RedisClient.Internal;

/// <summary>Which master serves each of the 16384 slots, as CLUSTER SLOTS reported it (patched by MOVED replies).</summary>
internal sealed class ClusterSlotMap
{
    private readonly DnsEndPoint?[] _masters;

    private ClusterSlotMap(DnsEndPoint?[] masters)
    {
        _masters = masters;
        Masters = masters.Where(m => m is not null).Distinct().ToArray()!;
    }

    /// <summary>The distinct masters, in slot order.</summary>
    public IReadOnlyList<DnsEndPoint> Masters { get; }

    /// <summary>How many slots have a master.</summary>
    public int CoveredSlots => _masters.Count(m => m is not null);

    public DnsEndPoint? GetMaster(int slot) => Volatile.Read(ref _masters[slot]);

    /// <summary>A MOVED reply is authoritative for its slot until the next full refresh.</summary>
    public void SetMaster(int slot, DnsEndPoint master) => Volatile.Write(ref _masters[slot], master);

    /// <summary>
    /// Reads a CLUSTER SLOTS reply: [[start, end, [host, port, id], replicas...], ...]. An empty host means the node
    /// that answered (<paramref name="answeredBy"/>).
    /// </summary>
    public static ClusterSlotMap Parse(RedisResult reply, DnsEndPoint answeredBy)
    {
        var masters = new DnsEndPoint?[HashSlot.Count];
        var endPoints = new Dictionary<(string, int), DnsEndPoint>();
        foreach (var range in reply.Items ?? [])
        {
            if (range.Items is not { Count: >= 3 } items || items[2].Items is not { Count: >= 2 } node)
            {
                throw new RedisProtocolException($"Unexpected CLUSTER SLOTS entry from {answeredBy.Host}:{answeredBy.Port}: {range}.");
            }

            var host = node[0].Value.ToString();
            if (host.Length == 0 || host == "?")
            {
                host = answeredBy.Host;
            }

            var port = (int)(long)node[1].Value;
            if (!endPoints.TryGetValue((host, port), out var endPoint))
            {
                endPoint = new DnsEndPoint(host, port);
                endPoints[(host, port)] = endPoint;
            }

            var start = (int)(long)items[0].Value;
            var end = (int)(long)items[1].Value;
            for (var slot = Math.Max(0, start); slot <= Math.Min(end, HashSlot.Count - 1); slot++)
            {
                masters[slot] = endPoint;
            }
        }

        return new ClusterSlotMap(masters);
    }
}
