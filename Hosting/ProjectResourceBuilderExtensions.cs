using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>Adds .NET projects and arbitrary executables.</summary>
public static class ProjectResourceBuilderExtensions
{
    /// <summary>
    /// Adds a project started from its build output. <paramref name="projectPath"/> is a .csproj or its folder,
    /// absolute or relative to the solution folder (e.g. "CatalogApi").
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddProject(this IDistributedApplicationBuilder builder, string name, string projectPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(projectPath);
        var fullPath = Path.GetFullPath(projectPath, builder.Options.SolutionDirectory);
        string projectFile;
        if (fullPath.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            projectFile = fullPath;
        }
        else
        {
            var candidates = Directory.Exists(fullPath) ? Directory.GetFiles(fullPath, "*.csproj") : [];
            if (candidates.Length != 1)
            {
                throw new DistributedApplicationException($"No single .csproj found in '{fullPath}' for project '{name}'. Pass the path of the .csproj, absolute or relative to '{builder.Options.SolutionDirectory}'.");
            }
            projectFile = candidates[0];
        }
        if (!File.Exists(projectFile))
        {
            throw new DistributedApplicationException($"Project file '{projectFile}' for '{name}' does not exist.");
        }
        return builder.AddResource(new ProjectResource(name, Path.GetDirectoryName(projectFile)!, Path.GetFileNameWithoutExtension(projectFile)));
    }

    /// <summary>Adds any command as a supervised process.</summary>
    public static IResourceBuilder<ExecutableResource> AddExecutable(this IDistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(workingDirectory);
        ArgumentNullException.ThrowIfNull(args);
        return builder.AddResource(new ExecutableResource(name, command, Path.GetFullPath(workingDirectory, builder.Options.SolutionDirectory), args));
    }
}
