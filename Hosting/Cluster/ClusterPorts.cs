using System.Net;
using System.Net.Sockets;

namespace Hosting.Cluster;

/// <summary>Free loopback ports, never the same one twice in this process (two nodes must not race for a port).</summary>
internal static class ClusterPorts
{
    private static readonly HashSet<int> s_given = [];

    public static int Next()
    {
        lock (s_given)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (s_given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
