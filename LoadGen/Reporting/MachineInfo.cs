using System.Runtime.InteropServices;

namespace LoadGen.Reporting;

/// <summary>Where and when figures were measured; every table of figures carries it.</summary>
/// <param name="Cores">Logical processors.</param>
/// <param name="Os">The operating system.</param>
/// <param name="Runtime">The .NET runtime.</param>
/// <param name="Date">When the report was written (UTC).</param>
/// <param name="CommandLine">The command that produced the figures.</param>
public sealed record MachineInfo(int Cores, string Os, string Runtime, DateTimeOffset Date, string CommandLine)
{
    /// <summary>This machine, now, with the given command line.</summary>
    public static MachineInfo Current(string commandLine) => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        DateTimeOffset.UtcNow,
        commandLine);
}
