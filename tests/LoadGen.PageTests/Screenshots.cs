namespace LoadGen.PageTests;

/// <summary>
/// Where the browser tests save their screenshots: a folder beside the test binaries (under <c>bin/</c>, which git
/// ignores), unless an opt-in variable names another one, e.g. the repository's <c>docs/</c> to refresh README's
/// pictures. A plain test run never rewrites a tracked picture.
/// </summary>
public static class Screenshots
{
    /// <summary>The variable of the lab's pictures (LoadGen.PageTests, LoadGen.EndToEndTests).</summary>
    public const string LoadGenVariable = "LOADGEN_SCREENSHOTS";

    /// <summary>The variable of the dashboard's pictures (AppHost.EndToEndTests).</summary>
    public const string AppHostVariable = "APPHOST_SCREENSHOTS";

    /// <summary>The path of screenshot <paramref name="name"/> (a .png file name) under <see cref="LoadGenVariable"/>.</summary>
    public static string PathOf(string name) => PathOf(name, LoadGenVariable);

    /// <summary>The path of screenshot <paramref name="name"/> under the folder <paramref name="variable"/> names, if set.</summary>
    public static string PathOf(string name, string variable)
    {
        var folder = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
