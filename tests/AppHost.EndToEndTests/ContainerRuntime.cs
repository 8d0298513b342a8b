using System.Diagnostics;
using Aspire.Hosting;

namespace AppHost.EndToEndTests;

/// <summary>
/// The machine's container runtime, as the container-mode tests see it: whether one answers (test.sh starts one with
/// <c>eng/containers.sh runtime</c> where it can), which images to run, and the containers and networks that exist.
/// </summary>
internal static class ContainerRuntime
{
    /// <summary>Null when a runtime DCP accepts answers; otherwise why the container tests are skipped.</summary>
    public static string? Unavailable()
    {
        var info = Docker("info", "--format", "{{.ServerVersion}}");
        if (info.ExitCode != 0)
        {
            return $"no container runtime answers ('docker info': {info.Error.Trim()}); 'bash eng/containers.sh runtime' starts one where it can";
        }
        var client = Docker("version", "--format", "{{.Client.Version}}").Output.Trim();
        return int.TryParse(client.Split('.')[0], out var major) && major >= 25
            ? null
            : $"the docker CLI on PATH is '{client}'; DCP needs 25 or newer";
    }

    /// <summary>
    /// <c>SAMPLE_CONTAINER_IMAGES</c> when set (test.sh sets it from <c>eng/containers.sh images</c>); otherwise the
    /// local images when they were built, else the official ones.
    /// </summary>
    public static string Images()
        => Environment.GetEnvironmentVariable("SAMPLE_CONTAINER_IMAGES") is { Length: > 0 } images
            ? images
            : LocalContainerImages.All.All(image => Docker("image", "inspect", image).ExitCode == 0) ? "local" : "official";

    /// <summary>The ids of every container, running or not.</summary>
    public static IReadOnlySet<string> Containers() => Lines(Docker("ps", "-a", "-q", "--no-trunc"));

    /// <summary>The ids of every network.</summary>
    public static IReadOnlySet<string> Networks() => Lines(Docker("network", "ls", "-q", "--no-trunc"));

    /// <summary>One line per container: name, image and published ports, for a test's output.</summary>
    public static string Describe(IEnumerable<string> ids)
        => string.Join("; ", ids.Select(id => Docker("inspect", "--format", "{{.Name}} {{.Config.Image}} {{json .NetworkSettings.Ports}}", id).Output.Trim()));

    /// <summary>The host addresses the running containers' ports are published on.</summary>
    public static IReadOnlyList<string> PublishedHostAddresses(IEnumerable<string> ids)
        => [.. ids.SelectMany(id => Docker("inspect", "--format", "{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostIp}} {{end}}{{end}}", id)
            .Output.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    private static HashSet<string> Lines((int ExitCode, string Output, string Error) result)
        => result.ExitCode == 0
            ? [.. result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : throw new InvalidOperationException($"docker failed: {result.Error}");

    private static (int ExitCode, string Output, string Error) Docker(params string[] args)
    {
        var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                return (-1, "", "no answer in 30 s");
            }
            return (process.ExitCode, output.Result, error.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, "", $"docker is not installed ({ex.Message})");
        }
    }
}
