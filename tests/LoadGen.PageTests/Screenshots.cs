namespace LoadGen.PageTests;

/// <summary>
/// Where the tests save their screenshots: <c>LOADGEN_SCREENSHOTS</c> if set (e.g. the repository's <c>docs/</c> to
/// refresh README's pictures), else a folder beside the test binaries.
/// </summary>
public static class Screenshots
{
    /// <summary>The path of screenshot <paramref name="name"/> (a .png file name).</summary>
    public static string PathOf(string name) =>
        Path.Combine(Environment.GetEnvironmentVariable("LOADGEN_SCREENSHOTS") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "screenshots"), name);
}
