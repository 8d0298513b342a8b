using Hosting.ApplicationModel;

namespace Hosting.Processes;

/// <summary>Starts any command line, with references in the environment and an optional HTTP port.</summary>
internal sealed class ExecutableLauncher(ExecutableResource executable, DistributedApplication app) : ResourceLauncher(executable)
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(2) };

    public override Task<ProcessSpec> PrepareAsync(int replica, CancellationToken cancellationToken)
    {
        var command = executable.Command.Contains('/', StringComparison.Ordinal)
            ? Path.GetFullPath(executable.Command, executable.WorkingDirectory)
            : BinaryLocator.Find(executable.Command, executable.Command);
        if (!File.Exists(command))
        {
            throw new DistributedApplicationException($"The command '{command}' of '{executable.Name}' does not exist.");
        }
        var env = EnvironmentBuilder.Build(executable, replica, app.Options, app.DashboardPort);
        return Task.FromResult(new ProcessSpec(command, executable.Args, executable.WorkingDirectory, env));
    }

    public override bool HasHealthCheck => executable.TryGetLastAnnotation<HttpHealthCheckAnnotation>(out _) && executable.Ports.Count > 0;

    public override async Task<bool> CheckHealthAsync(int replica, CancellationToken cancellationToken)
    {
        executable.TryGetLastAnnotation<HttpHealthCheckAnnotation>(out var check);
        using var response = await s_http.GetAsync(new Uri($"http://127.0.0.1:{executable.Ports[replica]}{check!.Path}"), cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    public override IReadOnlyList<string> GetEndpoints(int replica)
        => executable.Ports.Count > replica ? [$"http://127.0.0.1:{executable.Ports[replica]}"] : [];
}
