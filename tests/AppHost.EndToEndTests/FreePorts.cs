using System.Net;
using System.Net.Sockets;

namespace AppHost.EndToEndTests;

/// <summary>Free loopback ports, so a test run never collides with a running ./run.sh (8080, 18888, 18889).</summary>
internal static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
