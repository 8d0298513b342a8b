namespace Scaleout.Integration;

/// <summary>One server of a Redis-protocol endpoint list: a host name or IP address and a TCP port.</summary>
/// <param name="Host">A DNS name or an IP address, without brackets for IPv6.</param>
/// <param name="Port">The TCP port, 1 to 65535.</param>
public readonly record struct ServerEndpoint(string Host, int Port)
{
    /// <summary>
    /// The <c>host:port</c> form StackExchange.Redis connection strings use; an IPv6 address goes in brackets so that
    /// its colons are not read as the port separator.
    /// </summary>
    public override string ToString()
        => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
