using Hosting.ApplicationModel;

namespace Hosting.Processes;

/// <summary>Starts a project replica from its build output, with its HTTP port and references in the environment.</summary>
internal sealed class ProjectLauncher(ProjectResource project, DistributedApplication app) : ResourceLauncher(project)
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(2) };

    public override Task<ProcessSpec> PrepareAsync(int replica, CancellationToken cancellationToken)
    {
        var dll = GetAssemblyPath(project, app.Options.Configuration);
        if (!File.Exists(dll))
        {
            throw new DistributedApplicationException(
                $"The build output of '{project.Name}' was not found at {dll}. Build it first: dotnet build -c {app.Options.Configuration} (the AppHost starts projects from their build output).");
        }
        var env = EnvironmentBuilder.Build(project, replica, app.Options, app.DashboardPort);
        return Task.FromResult(new ProcessSpec("dotnet", [dll], project.ProjectDirectory, env));
    }

    public override bool HasHealthCheck => project.TryGetLastAnnotation<HttpHealthCheckAnnotation>(out _);

    public override async Task<bool> CheckHealthAsync(int replica, CancellationToken cancellationToken)
    {
        project.TryGetLastAnnotation<HttpHealthCheckAnnotation>(out var check);
        using var response = await s_http.GetAsync(new Uri($"http://127.0.0.1:{project.Ports[replica]}{check!.Path}"), cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    public override IReadOnlyList<string> GetEndpoints(int replica) => [$"http://127.0.0.1:{project.Ports[replica]}"];

    public static string GetAssemblyPath(ProjectResource project, string configuration)
        => Path.Combine(project.ProjectDirectory, "bin", configuration, "net10.0", project.AssemblyName + ".dll");
}
