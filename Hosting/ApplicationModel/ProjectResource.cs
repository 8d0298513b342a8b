namespace Hosting.ApplicationModel;

/// <summary>A .NET project of this repository, started from its build output (<c>dotnet bin/.../Name.dll</c>).</summary>
public sealed class ProjectResource(string name, string projectDirectory, string assemblyName)
    : Resource(name), IResourceWithReplicas, IResourceWithServiceDiscovery
{
    /// <inheritdoc />
    public override string ResourceType => "Project";

    /// <summary>The absolute folder of the .csproj.</summary>
    public string ProjectDirectory { get; } = projectDirectory;

    /// <summary>The assembly name (the .csproj file name without extension).</summary>
    public string AssemblyName { get; } = assemblyName;

    /// <summary>The HTTP port of each replica, allocated when the application is built.</summary>
    public IReadOnlyList<int> Ports { get; internal set; } = [];
}
