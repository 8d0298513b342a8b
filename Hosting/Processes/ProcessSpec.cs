namespace Hosting.Processes;

/// <summary>Everything needed to launch one process; immutable so a restart launches exactly the same thing.</summary>
internal sealed record ProcessSpec(
    string FileName,
    IReadOnlyList<string> Arguments,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment)
{
    public override string ToString() => $"{FileName} {string.Join(' ', Arguments)}";
}
