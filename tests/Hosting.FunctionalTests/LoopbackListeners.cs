using System.Globalization;

namespace Hosting.FunctionalTests;

/// <summary>Reads the kernel's socket tables: which local addresses listen on a port.</summary>
internal static class LoopbackListeners
{
    /// <summary>The local addresses (as in /proc/net/tcp: hex, e.g. 0100007F for 127.0.0.1) that LISTEN on <paramref name="port"/>, IPv4 and IPv6.</summary>
    public static IReadOnlyList<string> ListeningAddresses(int port)
    {
        var portHex = port.ToString("X4", CultureInfo.InvariantCulture);
        var found = new List<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = parts[1].Split(':');
                if (local[1] == portHex && parts[3] == "0A")
                {
                    found.Add(local[0]);
                }
            }
        }

        return found;
    }
}
