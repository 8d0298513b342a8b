using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Scaleout.Integration;

/// <summary>
/// Reads a list of Redis-protocol servers as people write them: the article's benchmark form <c>host__port</c>
/// (<c>SOSS_SERVERS=10.0.0.1__721,10.0.0.2__721</c>; environment variable values elsewhere avoid ':'), the usual
/// <c>host:port</c>, <c>[IPv6]:port</c>, or a bare host that takes the default port.
/// </summary>
/// <remarks>
/// This file and <see cref="ServerEndpoint"/> depend on the BCL only, so that a project that must not carry
/// Aspire.Hosting (the benchmarks) can compile them in with <c>&lt;Compile Include="…/Servers/*.cs" /&gt;</c>.
/// </remarks>
public static class ServerListParser
{
    /// <summary>The port of ScaleOut StateServer's Redis-protocol endpoint unless its configuration says otherwise.</summary>
    public const int SossPort = 721;

    /// <summary>Redis's default port.</summary>
    public const int RedisPort = 6379;

    /// <summary>
    /// Parses a comma-separated server list. Every error is a <see cref="FormatException"/> whose message names
    /// <paramref name="settingName"/>, the entry at fault and the accepted forms.
    /// </summary>
    /// <param name="value">The list, e.g. <c>10.0.0.1__721,10.0.0.2__721</c> or <c>node1,node2:7210</c>.</param>
    /// <param name="settingName">Where the value came from (<c>SOSS_SERVERS</c>, <c>Parameters:soss-hosts</c>), for messages.</param>
    /// <param name="defaultPort">The port of an entry that has none.</param>
    /// <returns>The servers in the order given, duplicates removed.</returns>
    public static IReadOnlyList<ServerEndpoint> Parse(string? value, string settingName, int defaultPort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(settingName);
        ArgumentOutOfRangeException.ThrowIfLessThan(defaultPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(defaultPort, 65535);

        if (string.IsNullOrWhiteSpace(value))
        {
            throw Error(settingName, "is empty", defaultPort);
        }

        var endpoints = new List<ServerEndpoint>();
        var entries = value.Split(',');
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i].Trim();
            if (entry.Length == 0)
            {
                // "a,,b" or a trailing comma is most often an editing slip; saying which entry helps find it.
                throw Error(settingName, $"has an empty entry at position {i + 1} of {entries.Length} ('{value}')", defaultPort);
            }

            var endpoint = ParseEntry(entry, settingName, defaultPort);
            if (!endpoints.Contains(endpoint))
            {
                endpoints.Add(endpoint);
            }
        }

        return endpoints;
    }

    /// <summary>
    /// Reads an environment variable such as <c>SOSS_SERVERS</c> or <c>REDIS_SERVERS</c>: null when it is unset or
    /// blank (the caller skips what it configures), the parsed list otherwise.
    /// </summary>
    public static IReadOnlyList<ServerEndpoint>? FromEnvironment(string variable, int defaultPort)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value) ? null : Parse(value, variable, defaultPort);
    }

    /// <summary>
    /// A StackExchange.Redis connection string for the servers: <c>host:port,host:port[,password=…]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, or the password contains ',' (StackExchange.Redis
    /// splits its connection string on commas and has no escape for them).</exception>
    public static string ToConnectionString(IEnumerable<ServerEndpoint> endpoints, string? password = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var servers = string.Join(',', endpoints);
        if (servers.Length == 0)
        {
            throw new ArgumentException("At least one server is needed.", nameof(endpoints));
        }

        if (string.IsNullOrEmpty(password))
        {
            return servers;
        }

        if (password.Contains(',', StringComparison.Ordinal))
        {
            throw new ArgumentException(
                "The password contains ',', which a StackExchange.Redis connection string cannot carry; choose a password without commas.",
                nameof(password));
        }

        return $"{servers},password={password}";
    }

    private static ServerEndpoint ParseEntry(string entry, string settingName, int defaultPort)
    {
        string host;
        string? port = null;

        var underscores = entry.LastIndexOf("__", StringComparison.Ordinal);
        if (underscores >= 0)
        {
            // The article's form. The last "__" separates, so a host name with single underscores still parses.
            host = entry[..underscores];
            port = entry[(underscores + 2)..];
        }
        else if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Error(settingName, $"has '{entry}', an IPv6 address without its closing ']'", defaultPort);
            }

            host = entry[1..close];
            var rest = entry[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    throw Error(settingName, $"has '{entry}': after ']' only ':port' may follow", defaultPort);
                }

                port = rest[1..];
            }
        }
        else if (entry.Count(c => c == ':') > 1)
        {
            // Several colons without brackets can only be a bare IPv6 address (the port would be ambiguous).
            host = entry;
        }
        else
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? entry : entry[..colon];
            port = colon < 0 ? null : entry[(colon + 1)..];
        }

        if (entry.Contains("://", StringComparison.Ordinal))
        {
            throw Error(settingName, $"has '{entry}', a URL; give only the host and port", defaultPort);
        }

        if (!IsValidHost(host))
        {
            throw Error(settingName, $"has '{entry}', whose host '{host}' is not a DNS name or an IP address", defaultPort);
        }

        var portNumber = defaultPort;
        if (port is not null
            && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber) || portNumber is < 1 or > 65535))
        {
            throw Error(settingName, $"has '{entry}', whose port '{port}' is not a number from 1 to 65535", defaultPort);
        }

        return new ServerEndpoint(host, portNumber);
    }

    private static bool IsValidHost(string host)
    {
        if (host.Length == 0)
        {
            return false;
        }

        if (host.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        // DNS labels of letters, digits, '-' and '_' (container and Windows host names carry underscores), and IPv4.
        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static FormatException Error(string settingName, string problem, int defaultPort)
        => new($"{settingName} {problem}. Write a comma-separated list of servers as host__port (the benchmark's form), " +
               $"host:port, [IPv6]:port or host (port {defaultPort}), e.g. '10.0.0.1__{defaultPort},10.0.0.2__{defaultPort}'.");
}
