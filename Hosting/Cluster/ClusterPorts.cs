namespace Hosting.Cluster;

/// <summary>
/// Free loopback ports for cluster nodes, never the same one twice in this process. They are taken below the
/// kernel's ephemeral range (32768+), so neither an outgoing connection nor a port handed out by bind(0) elsewhere
/// can take a node's port between the moment it is chosen and the moment the node binds it (ResetAsync reuses them).
/// </summary>
internal static class ClusterPorts
{
    private const int First = 20000;
    private const int Last = 32000;
    private static readonly HashSet<int> s_given = [];

    public static int Next()
    {
        lock (s_given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!s_given.Contains(port) && PortAllocator.IsAvailable(port))
                {
                    s_given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {Last} after 1000 tries; end leftover redis-server processes.");
    }
}
