namespace Hosting.ApplicationModel;

/// <summary>Any command line run as a supervised process.</summary>
public sealed class ExecutableResource(string name, string command, string workingDirectory, IReadOnlyList<string> args)
    : Resource(name), IResourceWithReplicas, IResourceWithServiceDiscovery
{
    /// <inheritdoc />
    public override string ResourceType => "Executable";

    /// <summary>The program (a path or a name found on PATH).</summary>
    public string Command { get; } = command;

    /// <summary>The working folder of the process.</summary>
    public string WorkingDirectory { get; } = workingDirectory;

    /// <summary>The command-line arguments.</summary>
    public IReadOnlyList<string> Args { get; } = args;

    /// <summary>The port of each replica when an HTTP endpoint was declared; empty otherwise.</summary>
    public IReadOnlyList<int> Ports { get; internal set; } = [];
}
