using System.Net;
using System.Net.Sockets;

namespace Hosting;

/// <summary>Hands out free loopback ports, never the same one twice in one application.</summary>
internal sealed class PortAllocator
{
    private readonly HashSet<int> _used = [];

    public int GetFreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (_used.Add(port))
            {
                return port;
            }
        }
    }

    public int Reserve(int port)
    {
        if (!_used.Add(port))
        {
            throw new DistributedApplicationException($"Port {port} is asked for by two resources; give each its own port.");
        }
        return port;
    }

    /// <summary>True when nothing listens on 127.0.0.1:<paramref name="port"/> (checked by binding it).</summary>
    public static bool IsAvailable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
