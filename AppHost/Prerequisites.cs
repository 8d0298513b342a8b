using System.Diagnostics;

namespace AppHost;

/// <summary>
/// What the sample needs before anything starts: the servers it runs as local processes (a missing one is named with
/// its Debian package) and a state folder their users can reach or, in the container mode, a container runtime DCP
/// accepts and the images it will run.
/// </summary>
public static class Prerequisites
{
    /// <summary>The oldest Docker CLI DCP accepts ("DCP requires Docker CLI version 25.0.0 or newer").</summary>
    private const int MinimumDockerCliMajor = 25;

    /// <summary>Throws <see cref="AppHostOptionsException"/> naming what is missing and how to get it.</summary>
    public static void EnsureInstalled(AppHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var missing = new List<string>();
        // The Redis Cluster is an executable in both modes.
        if (!OnPath("redis-server"))
        {
            missing.Add("redis-server (Debian package redis-server)");
        }
        if (options.Containers is null && !OnPath("postgres") && !OnPath("initdb") && !(Directory.Exists("/usr/lib/postgresql") && Directory.EnumerateFiles("/usr/lib/postgresql", "initdb", SearchOption.AllDirectories).Any()))
        {
            missing.Add("postgres/initdb (Debian package postgresql)");
        }
        if (missing.Count > 0)
        {
            throw new AppHostOptionsException(
                $"Not installed: {string.Join(", ", missing)}. Install with 'apt-get install redis-server postgresql' or start with ./run.sh, which installs them.");
        }
        if (options.Containers is { } images)
        {
            EnsureContainerRuntime(images);
        }
        else
        {
            EnsurePostgresReachesStateDirectory(options.StateDirectory);
        }
    }

    /// <summary>
    /// As root the local PostgreSQL runs as user postgres, which must reach the state folder. AddLocalPostgres opens the
    /// folder itself to others; the folders above it are the user's, and one closed to others (as /root is, 0700)
    /// would leave PostgreSQL failing and the start waiting.
    /// </summary>
    private static void EnsurePostgresReachesStateDirectory(string stateDirectory)
    {
        if (!Environment.IsPrivilegedProcess || !OnPath("setpriv") || Path.GetDirectoryName(stateDirectory) is not { } parent)
        {
            return;
        }
        if (Run("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", "test", "-x", parent).ExitCode != 0)
        {
            throw new AppHostOptionsException(
                $"--state-dir '{stateDirectory}' is not reachable by user postgres, which PostgreSQL runs as when the sample runs as root: " +
                "a folder above it is closed to other users (as /root is). Choose a folder outside it with --state-dir (e.g. /var/tmp/scaling-redis).");
        }
    }

    /// <summary>
    /// The container mode's checks, done here because DCP would otherwise start everything else and leave the
    /// containers failing in the dashboard: a runtime that answers, a Docker CLI DCP accepts, and (local images)
    /// the images present, since they are never pulled.
    /// </summary>
    private static void EnsureContainerRuntime(ContainerImages images)
    {
        var runtime = Environment.GetEnvironmentVariable("DOTNET_ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } named ? named : "docker";
        const string HowToStart = "start one with 'bash eng/containers.sh runtime' (starts dockerd when run as root), Docker Desktop or Podman (DOTNET_ASPIRE_CONTAINER_RUNTIME=podman); or run without --containers";
        if (!OnPath(runtime))
        {
            throw new AppHostOptionsException($"--containers needs a container runtime, and '{runtime}' is not on PATH: {HowToStart}.");
        }
        var info = Run(runtime, "info", "--format", "{{.ServerVersion}}");
        if (info.ExitCode != 0)
        {
            throw new AppHostOptionsException($"--containers needs a container runtime, and '{runtime} info' failed ({FirstLine(info.Error)}): {HowToStart}.");
        }
        if (runtime == "docker")
        {
            var client = Run(runtime, "version", "--format", "{{.Client.Version}}").Output.Trim();
            if (!int.TryParse(client.Split('.')[0], out var major) || major < MinimumDockerCliMajor)
            {
                throw new AppHostOptionsException(
                    $"Aspire's DCP needs Docker CLI {MinimumDockerCliMajor} or newer, and the 'docker' first on PATH is '{client}' (Debian's docker.io ships 20.10): " +
                    "put a newer CLI first on PATH (docker-ce-cli from Docker's apt repository); the daemon may stay older.");
            }
        }
        if (images == ContainerImages.Local)
        {
            var missing = LocalContainerImages.All.Where(image => Run(runtime, "image", "inspect", "--format", "{{.Id}}", image).ExitCode != 0).ToList();
            if (missing.Count > 0)
            {
                throw new AppHostOptionsException(
                    $"--containers local runs images built on this machine, and {string.Join(", ", missing)} is missing: build it with 'bash eng/containers.sh images local' (./run.sh --containers does), or use --containers official.");
            }
        }
    }

    private static (int ExitCode, string Output, string Error) Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "", $"'{program} {string.Join(' ', args)}' did not answer in 30 s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    private static string FirstLine(string text)
        => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";

    private static bool OnPath(string program)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
