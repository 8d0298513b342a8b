using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Free loopback ports chosen while the app model is built, for servers whose address must be known before they
/// start (explicit-start caches and cluster nodes: a web replica receives their connection string when it starts,
/// which may be long before the cache does). They come from above the kernel's ephemeral range (61000+ on Debian)
/// so that neither an outgoing connection, nor a port DCP hands out (proxyless ports come from 10000–32767), nor a
/// bind(0) elsewhere can take one between the moment it is chosen and the moment its server binds it.
/// </summary>
internal static class LocalPorts
{
    private const int FallbackFirst = 61000;
    private const int Last = 65000;
    private static readonly HashSet<int> s_given = [];

    public static int Next()
    {
        var first = Math.Min(Last - 500, EphemeralRangeEnd() + 1);
        lock (s_given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(first, Last);
                if (!s_given.Contains(port) && IsAvailable(port))
                {
                    s_given.Add(port);
                    return port;
                }
            }
        }

        throw new DistributedApplicationException($"No free loopback port between {first} and {Last} after 1000 tries; end leftover redis-server processes.");
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

    private static int EphemeralRangeEnd()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return FallbackFirst - 1;
        }
    }
}
