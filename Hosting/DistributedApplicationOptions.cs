using System.Globalization;
using System.Reflection;

namespace Hosting;

/// <summary>
/// Where state lives, which fixed ports a person types, and how processes are launched. The AppHost fills it from
/// its command line (<c>--lb-port</c>, <c>--dashboard-port</c>, <c>--state-dir</c>); tests use free ports and a
/// temp folder.
/// </summary>
public sealed class DistributedApplicationOptions
{
    /// <summary>The command-line arguments the builder was created with.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Postgres data, Redis files, haproxy.cfg and pid files. Default: <c>.apphost/</c> in the current folder.</summary>
    public string StateDirectory { get; set; } = Path.GetFullPath(".apphost");

    /// <summary>The default frontend port of load balancers (8080; null: a free port).</summary>
    public int? LoadBalancerPort { get; set; } = 8080;

    /// <summary>The dashboard and OTLP port (18888; 0: a free port).</summary>
    public int DashboardPort { get; set; } = 18888;

    /// <summary>The build configuration whose output projects start from; default: the one Hosting was built with.</summary>
    public string Configuration { get; set; } =
        typeof(DistributedApplicationOptions).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The folder relative project paths start from: the folder holding the .sln above the running app.</summary>
    public string SolutionDirectory { get; set; } = FindSolutionDirectory(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();

    /// <summary>Copy every resource's output to the console with a coloured prefix.</summary>
    public bool WriteResourceLogsToConsole { get; set; } = true;

    /// <summary>How long a process may take to stop after the signal before its tree is killed.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delete <see cref="StateDirectory"/> when the application is disposed (tests).</summary>
    public bool DeleteStateDirectoryOnDispose { get; set; }

    /// <summary>Set by the dashboard: services then export OTLP to it.</summary>
    public bool DashboardEnabled { get; set; }

    /// <summary>Reads the options this library understands; other arguments are left to the AppHost.</summary>
    public static DistributedApplicationOptions FromArgs(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new DistributedApplicationOptions { Args = args };
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = Split(args[i]);
            if (name is not ("--lb-port" or "--dashboard-port" or "--state-dir"))
            {
                continue;
            }
            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new DistributedApplicationException($"The option {name} needs a value, e.g. {name} {Example(name)}.");
                }
                value = args[++i];
            }
            switch (name)
            {
                case "--lb-port":
                    options.LoadBalancerPort = ParsePort(name, value);
                    break;
                case "--dashboard-port":
                    options.DashboardPort = ParsePort(name, value);
                    break;
                default:
                    options.StateDirectory = Path.GetFullPath(value);
                    break;
            }
        }
        return options;
    }

    internal static string? FindSolutionDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (dir.EnumerateFiles("*.sln").Any() || dir.EnumerateFiles("*.slnx").Any())
            {
                return dir.FullName;
            }
        }
        return null;
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }

    private static int ParsePort(string option, string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new DistributedApplicationException($"The option {option} expects a port number from 1 to 65535 (0: any free port), not '{value}'.");
        }
        return port;
    }

    private static string Example(string option) => option switch
    {
        "--lb-port" => "8081",
        "--dashboard-port" => "18889",
        _ => ".apphost",
    };
}
