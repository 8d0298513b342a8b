using System.Globalization;
using System.Net;

namespace RedisClient;

/// <summary>
/// The parsed form of a StackExchange.Redis configuration string:
/// <c>host:port[,host:port...][,password=...][,user=...][,connectTimeout=ms][,syncTimeout=ms][,abortConnect=false][,name=...]</c>.
/// </summary>
public sealed class ConfigurationOptions
{
    /// <summary>The endpoints to connect to (seeds in cluster mode).</summary>
    public List<DnsEndPoint> EndPoints { get; } = [];

    /// <summary>The password for AUTH; null for none.</summary>
    public string? Password { get; set; }

    /// <summary>The ACL user for AUTH; null for the default user.</summary>
    public string? User { get; set; }

    /// <summary>How long a connection attempt (TCP connect plus AUTH) may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a command may wait for its reply before it fails with <see cref="RedisTimeoutException"/>. Default 5 s.</summary>
    public TimeSpan SyncTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>When true (the default) ConnectAsync throws if no endpoint answers; when false it returns and keeps retrying.</summary>
    public bool AbortOnConnectFail { get; set; } = true;

    /// <summary>The name sent with CLIENT SETNAME (shown by CLIENT LIST); null for none.</summary>
    public string? ClientName { get; set; }

    /// <summary>Parses a configuration string; throws <see cref="ArgumentException"/> naming the bad part.</summary>
    public static ConfigurationOptions Parse(string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        var options = new ConfigurationOptions();
        foreach (var raw in configuration.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = raw.IndexOf('=');
            if (equals < 0)
            {
                options.EndPoints.Add(ParseEndPoint(raw, configuration));
                continue;
            }

            var key = raw[..equals].Trim();
            var value = raw[(equals + 1)..].Trim();
            switch (key.ToLowerInvariant())
            {
                case "password":
                    options.Password = value.Length == 0 ? null : value;
                    break;
                case "user":
                    options.User = value.Length == 0 ? null : value;
                    break;
                case "name":
                    options.ClientName = value.Length == 0 ? null : value;
                    break;
                case "connecttimeout":
                    options.ConnectTimeout = ParseMilliseconds(key, value);
                    break;
                case "synctimeout":
                case "asynctimeout":
                    options.SyncTimeout = ParseMilliseconds(key, value);
                    break;
                case "abortconnect":
                    options.AbortOnConnectFail = bool.TryParse(value, out var abort)
                        ? abort
                        : throw new ArgumentException($"abortConnect must be true or false, not '{value}'.", nameof(configuration));
                    break;
                case "ssl":
                    if (bool.TryParse(value, out var ssl) && ssl)
                    {
                        throw new ArgumentException("ssl=true is not supported by this client (the sample runs on loopback).", nameof(configuration));
                    }

                    break;
                case "defaultdatabase":
                    if (value != "0")
                    {
                        throw new ArgumentException(
                            $"defaultDatabase={value} is not supported: this client always uses database 0 (the only one a cluster has); use key prefixes instead.",
                            nameof(configuration));
                    }

                    break;
                case "allowadmin":
                case "keepalive":
                case "connectretry":
                    // Accepted for compatibility with StackExchange.Redis strings; they change nothing here.
                    break;
                default:
                    throw new ArgumentException(
                        $"Unknown option '{key}' in the Redis configuration string. Known options: password, user, name, " +
                        "connectTimeout, syncTimeout, abortConnect.", nameof(configuration));
            }
        }

        if (options.EndPoints.Count == 0)
        {
            throw new ArgumentException(
                $"The Redis configuration string '{Redact(configuration)}' names no endpoint; start it with host:port, e.g. 127.0.0.1:6379.",
                nameof(configuration));
        }

        return options;
    }

    /// <inheritdoc />
    public override string ToString()
        => string.Join(',', EndPoints.Select(e => $"{e.Host}:{e.Port}")) + (Password is null ? "" : ",password=*****");

    private static DnsEndPoint ParseEndPoint(string text, string configuration)
    {
        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? text : text[..colon];
        var port = 6379;
        if (colon >= 0 && (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new ArgumentException($"'{text}' in the Redis configuration string '{Redact(configuration)}' is not host:port (port 1-65535).", nameof(configuration));
        }

        host = host.Trim('[', ']');
        if (host.Length == 0)
        {
            throw new ArgumentException($"'{text}' in the Redis configuration string has no host.", nameof(configuration));
        }

        return new DnsEndPoint(host, port);
    }

    private static TimeSpan ParseMilliseconds(string key, string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : throw new ArgumentException($"{key} must be a positive number of milliseconds, not '{value}'.", "configuration");

    private static string Redact(string configuration)
        => string.Join(',', configuration.Split(',').Select(p => p.Trim().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=*****" : p));
}
