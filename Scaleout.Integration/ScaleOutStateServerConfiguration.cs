using System.Net;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Scaleout.Integration;

/// <summary>
/// Reads where an existing ScaleOut StateServer (SOSS) deployment is from configuration, in Aspire's usual places:
/// <c>Parameters:{name}-hosts</c> (+ <c>Parameters:{name}-password</c>) or a whole <c>ConnectionStrings:{name}</c>
/// (which wins when both are set).
/// </summary>
public static class ScaleOutStateServerConfiguration
{
    /// <summary>The resource name the sample uses, and the name of its topology.</summary>
    public const string DefaultName = "soss";

    /// <summary>The setting that lists SOSS's hosts, e.g. <c>Parameters:soss-hosts</c> = <c>host1,host2:7210</c>.</summary>
    public static string HostsSetting(string name = DefaultName) => $"Parameters:{name}-hosts";

    /// <summary>The setting that holds the password, when SOSS asks for one: <c>Parameters:soss-password</c>.</summary>
    public static string PasswordSetting(string name = DefaultName) => $"Parameters:{name}-password";

    /// <summary>The whole StackExchange.Redis connection string, as an alternative: <c>ConnectionStrings:soss</c>.</summary>
    public static string ConnectionStringSetting(string name = DefaultName) => $"ConnectionStrings:{name}";

    /// <summary>
    /// Whether SOSS is configured at all. Says nothing about whether the values are valid: <see cref="Read"/> (called by
    /// <c>AddScaleOutStateServer</c>) rejects a wrong one with a message naming it, which is better than silently
    /// hiding the topology.
    /// </summary>
    public static bool IsConfigured(IConfiguration configuration, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[ConnectionStringSetting(name)])
            || !string.IsNullOrWhiteSpace(configuration[HostsSetting(name)]);
    }

    /// <summary>
    /// Why the <paramref name="name"/> topology is unavailable when <see cref="IsConfigured"/> is false, worded for a
    /// disabled dashboard command: "set Parameters:soss-hosts (or ConnectionStrings:soss) to your SOSS hosts to enable
    /// the soss topology".
    /// </summary>
    public static string NotConfiguredReason(string name = DefaultName)
        => $"set {HostsSetting(name)} (or {ConnectionStringSetting(name)}) to your SOSS hosts to enable the {name} topology";

    /// <summary>Reads and validates the settings.</summary>
    /// <exception cref="ScaleOutConfigurationException">Nothing is configured, or a setting is wrong; the message says
    /// which and how to fix it.</exception>
    public static ScaleOutStateServerSettings Read(IConfiguration configuration, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var connectionString = configuration[ConnectionStringSetting(name)];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return FromConnectionString(connectionString, ConnectionStringSetting(name));
        }

        var hosts = configuration[HostsSetting(name)];
        if (string.IsNullOrWhiteSpace(hosts))
        {
            throw new ScaleOutConfigurationException(HostsSetting(name),
                $"ScaleOut StateServer '{name}' is not configured: {NotConfiguredReason(name)}, e.g. " +
                $"{HostsSetting(name)}=sossnode1,sossnode2 (port {ServerListParser.SossPort} unless given as host:port).");
        }

        IReadOnlyList<ServerEndpoint> endpoints;
        try
        {
            endpoints = ServerListParser.Parse(hosts, HostsSetting(name), ServerListParser.SossPort);
        }
        catch (FormatException e)
        {
            throw new ScaleOutConfigurationException(HostsSetting(name), e.Message, e);
        }

        var password = configuration[PasswordSetting(name)];
        if (string.IsNullOrEmpty(password))
        {
            return new ScaleOutStateServerSettings(endpoints, ServerListParser.ToConnectionString(endpoints), HostsSetting(name), null);
        }

        if (password.Contains(',', StringComparison.Ordinal))
        {
            throw new ScaleOutConfigurationException(PasswordSetting(name),
                $"{PasswordSetting(name)} contains ',', which a StackExchange.Redis connection string cannot carry; " +
                $"use a password without commas.");
        }

        return new ScaleOutStateServerSettings(
            endpoints, ServerListParser.ToConnectionString(endpoints, password), HostsSetting(name), PasswordSetting(name));
    }

    private static ScaleOutStateServerSettings FromConnectionString(string connectionString, string setting)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException)
        {
            throw new ScaleOutConfigurationException(setting,
                $"{setting} is not a StackExchange.Redis connection string ({e.Message}). Write " +
                $"'host1:{ServerListParser.SossPort},host2:{ServerListParser.SossPort}[,password=…]'.", e);
        }

        if (options.EndPoints.Count == 0)
        {
            throw new ScaleOutConfigurationException(setting,
                $"{setting} names no host. Write 'host1:{ServerListParser.SossPort},host2:{ServerListParser.SossPort}[,password=…]'.");
        }

        // Each endpoint goes through the same checks as Parameters:soss-hosts, and one without a port gets SOSS's port
        // rather than StackExchange.Redis's default of 6379, which SOSS does not listen on.
        var endpoints = new List<ServerEndpoint>();
        for (var i = 0; i < options.EndPoints.Count; i++)
        {
            var (host, port) = options.EndPoints[i] switch
            {
                DnsEndPoint dns => (dns.Host, dns.Port),
                IPEndPoint ip => (ip.Address.ToString(), ip.Port),
                var other => (other.ToString() ?? "", 0),
            };

            ServerEndpoint endpoint;
            try
            {
                var text = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
                endpoint = ServerListParser.Parse(port == 0 ? text : $"{text}:{port}", setting, ServerListParser.SossPort)[0];
            }
            catch (FormatException e)
            {
                throw new ScaleOutConfigurationException(setting, e.Message, e);
            }

            options.EndPoints[i] = new DnsEndPoint(endpoint.Host, endpoint.Port);
            endpoints.Add(endpoint);
        }

        return new ScaleOutStateServerSettings(
            endpoints,
            options.ToString(includePassword: true),
            setting,
            string.IsNullOrEmpty(options.Password) ? null : setting);
    }
}
