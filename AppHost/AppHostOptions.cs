using System.Net;
using System.Net.Sockets;
using AppHost.Topologies;

namespace AppHost;

/// <summary>
/// The AppHost's own options: <c>--topology</c>, <c>--lb-port</c>, <c>--dashboard-port</c>, <c>--control-port</c>,
/// <c>--state-dir</c>, <c>--containers</c> (as <c>--name value</c> or <c>--name=value</c>) and the flag
/// <c>--no-self-healing</c>. Everything else on the command line goes to Aspire's configuration unchanged.
/// </summary>
public sealed record AppHostOptions
{
    /// <summary>The load balancer's port unless <c>--lb-port</c> says otherwise.</summary>
    public const int DefaultLbPort = 8080;

    /// <summary>The dashboard's port unless <c>--dashboard-port</c> says otherwise.</summary>
    public const int DefaultDashboardPort = 18888;

    /// <summary>The control API's port unless <c>--control-port</c> says otherwise.</summary>
    public const int DefaultControlPort = 18889;

    /// <summary>The topology applied once the replicas are healthy.</summary>
    public required Topology StartTopology { get; init; }

    /// <summary>The load balancer's port (the storefront's address).</summary>
    public int LbPort { get; init; } = DefaultLbPort;

    /// <summary>The dashboard's port.</summary>
    public int DashboardPort { get; init; } = DefaultDashboardPort;

    /// <summary>The control API's port.</summary>
    public int ControlPort { get; init; } = DefaultControlPort;

    /// <summary>The folder holding every resource's state (Postgres data, cluster node files), absolute.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>
    /// Redis (<c>cache</c>, <c>cache-naive-i</c>) and PostgreSQL as containers, from Aspire's <c>AddRedis</c> and
    /// <c>AddPostgres</c>, with these images (<c>--containers official|local</c> or the setting <c>AppHost:Containers</c>);
    /// null: local executables (the default). The Redis Cluster is an executable either way: its nodes announce their
    /// real ports to clients.
    /// </summary>
    public ContainerImages? Containers { get; init; }

    /// <summary>
    /// Whether the Redis Cluster heals itself (a killed node comes back; a spare replaces one that cannot): on unless
    /// <c>--no-self-healing</c> or the setting <c>AppHost:SelfHealing=false</c>, which show the article's manual world.
    /// </summary>
    public bool SelfHealing { get; init; } = true;

    /// <summary>
    /// The emulated network between the processes (<c>--network lan|lan-10g|cross-zone</c>, <c>--network-delay</c>,
    /// <c>--network-rate</c>, or the setting <c>AppHost:Network</c>); null (the default): no relay in any path.
    /// </summary>
    public NetworkEmulation.LinkProfile? Network { get; init; }

    /// <summary>The control API's base URL, given to LoadGen as <c>ControlApi__Url</c>.</summary>
    public Uri ControlUrl => new($"http://127.0.0.1:{ControlPort}");

    /// <summary>A folder under <see cref="StateDirectory"/> for one resource.</summary>
    public string StatePath(string resource) => Path.Combine(StateDirectory, resource);

    /// <summary>Reads the options; throws <see cref="AppHostOptionsException"/> naming the option that is wrong.</summary>
    public static AppHostOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? Value(string name) => Find(args, name);
        var topologyName = Value("--topology") ?? "single";
        var topology = Topology.Find(topologyName)
            ?? throw new AppHostOptionsException($"'{topologyName}' is not a topology: use --topology with one of {Topology.Names}.");
        return new AppHostOptions
        {
            StartTopology = topology,
            LbPort = Port(Value("--lb-port"), "--lb-port", DefaultLbPort),
            DashboardPort = Port(Value("--dashboard-port"), "--dashboard-port", DefaultDashboardPort),
            ControlPort = Port(Value("--control-port"), "--control-port", DefaultControlPort),
            StateDirectory = Path.GetFullPath(Value("--state-dir") ?? ".apphost"),
            Containers = Value("--containers") is { } images ? ParseImages(images, "--containers") : null,
            SelfHealing = !args.Contains(NoSelfHealingFlag, StringComparer.Ordinal),
            Network = ParseNetwork(Value("--network"), Value("--network-delay"), Value("--network-rate"), "--network"),
        };
    }

    private static NetworkEmulation.LinkProfile? ParseNetwork(string? profile, string? delay, string? rate, string option)
    {
        if (profile is null && delay is null && rate is null)
        {
            return null;
        }

        try
        {
            return NetworkEmulation.LinkProfile.Parse(profile, delay, rate);
        }
        catch (ArgumentException ex)
        {
            // The emulator's message names the values it takes; say which option carried the wrong one.
            throw new AppHostOptionsException($"{option}: {ex.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    /// <summary>The flag that turns the cluster's self-healing off.</summary>
    public const string NoSelfHealingFlag = "--no-self-healing";

    /// <summary>
    /// The arguments for Aspire's configuration: without the value-less flags, which its command-line parser would
    /// pair with the next argument.
    /// </summary>
    public static string[] ForConfiguration(string[] args) => [.. args.Where(a => a != NoSelfHealingFlag)];

    /// <summary>
    /// These options, with <c>AppHost:Containers</c> from <paramref name="configuration"/> (appsettings.json,
    /// environment) unless <c>--containers</c> was given, and <c>AppHost:SelfHealing</c> (false turns it off, as
    /// <c>--no-self-healing</c> does).
    /// </summary>
    public AppHostOptions WithSettings(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = Containers is null && configuration["AppHost:Containers"] is { Length: > 0 } images
            ? this with { Containers = ParseImages(images, "The setting AppHost:Containers") }
            : this;
        if (configuration["AppHost:SelfHealing"] is { Length: > 0 } healing)
        {
            options = bool.TryParse(healing, out var on)
                ? options with { SelfHealing = options.SelfHealing && on }
                : throw new AppHostOptionsException($"The setting AppHost:SelfHealing needs true or false, not '{healing}' (or give --no-self-healing).");
        }

        if (options.Network is null && configuration["AppHost:Network"] is { Length: > 0 } network)
        {
            options = options with { Network = ParseNetwork(network, null, null, "The setting AppHost:Network") };
        }

        if (options.Network is not null && options.Containers is not null)
        {
            throw new AppHostOptionsException("--network puts links in front of the local servers; it does not work with --containers (drop one of them).");
        }

        return options;
    }

    private static ContainerImages ParseImages(string value, string option) => value.ToLowerInvariant() switch
    {
        "official" => ContainerImages.Official,
        "local" => ContainerImages.Local,
        _ => throw new AppHostOptionsException(
            $"{option} needs 'official' (Aspire's images, pulled from docker.io) or 'local' (built here by 'bash eng/containers.sh images local'), not '{value}'."),
    };

    /// <summary>
    /// Adds the AppHost's appsettings.json (next to AppHost.dll) as the lowest-priority configuration source: the
    /// content root is the working folder, which is not the AppHost's folder under <c>./run.sh</c> or the tests,
    /// and the dashboard settings in it must hold wherever the AppHost starts; environment and command line still win.
    /// </summary>
    public static void AddAppHostSettings(Microsoft.Extensions.Configuration.IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = "appsettings.json",
            Optional = true,
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory),
        });
    }

    /// <summary>
    /// Fails before anything starts when a port a person types is taken, naming the option that moves it: DCP would
    /// otherwise start everything else and leave one resource failing.
    /// </summary>
    public void EnsurePortsAreFree(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var otlpPort = Uri.TryCreate(configuration["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"], UriKind.Absolute, out var otlpUrl) ? otlpUrl.Port : (int?)null;
        EnsureFree(LbPort, "the load balancer", "--lb-port");
        EnsureFree(DashboardPort, "the dashboard", "--dashboard-port");
        EnsureFree(ControlPort, "the control API", "--control-port");
        if (otlpPort is { } otlp)
        {
            EnsureFree(otlp, "the dashboard's OTLP receiver", "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL (AppHost/appsettings.json or the environment)");
        }
    }

    /// <summary>Fails before anything starts when <c>--state-dir</c> cannot be created or written.</summary>
    public void EnsureStateDirectoryIsUsable()
    {
        try
        {
            Directory.CreateDirectory(StateDirectory);
            var probe = Path.Combine(StateDirectory, $".write-check-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AppHostOptionsException($"--state-dir '{StateDirectory}' cannot be created or written ({ex.Message}): choose a folder you can write with --state-dir.");
        }
    }

    private static void EnsureFree(int port, string what, string option)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            throw new AppHostOptionsException($"Port {port} ({what}) is already in use on 127.0.0.1: stop what uses it, or choose another port with {option}.");
        }
    }

    private static int Port(string? value, string option, int defaultPort)
    {
        if (value is null)
        {
            return defaultPort;
        }
        return int.TryParse(value, out var port) && port is > 0 and < 65536
            ? port
            : throw new AppHostOptionsException($"{option} needs a port number between 1 and 65535, not '{value}'.");
    }

    private static string? Find(string[] args, string name)
    {
        string? found = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name)
            {
                found = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? args[i + 1]
                    : throw new AppHostOptionsException(name switch
                    {
                        "--topology" => $"The option --topology needs a value: one of {Topology.Names}.",
                        "--network" => $"The option --network needs a profile: one of {NetworkEmulation.LinkProfile.Describe()}.",
                        "--containers" => "The option --containers needs a value: official (Aspire's images) or local (images built by 'bash eng/containers.sh images local'); ./run.sh --containers chooses for you.",
                        _ => $"The option {name} needs a value.",
                    });
            }
            else if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                found = args[i][(name.Length + 1)..];
            }
        }
        return found;
    }
}

/// <summary>A wrong option or a taken port: the message says which and how to fix it.</summary>
public sealed class AppHostOptionsException(string message) : Exception(message);
