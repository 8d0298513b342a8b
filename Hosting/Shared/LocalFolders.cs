namespace Aspire.Hosting.ApplicationModel;

/// <summary>Folders of the local servers.</summary>
internal static class LocalFolders
{
    /// <summary>
    /// The folder a resource uses when no <c>WithDataDirectory</c> was given: a new temp folder per app model, so two
    /// runs (or two tests) never share node files or a Postgres cluster.
    /// </summary>
    public static string Default(string resourceName) =>
        Directory.CreateTempSubdirectory($"aspire-{resourceName}-").FullName;

    /// <summary>
    /// Lets other users (postgres, when the AppHost runs as root) traverse, not list, a folder we created: the
    /// temp folders are 0700 and the postgres user must reach its data folder inside.
    /// </summary>
    public static void MakeTraversable(string directory)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory))
        {
            return;
        }

        var mode = File.GetUnixFileMode(directory);
        File.SetUnixFileMode(directory, mode | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    /// <summary>Writes a file only its owner can read (it holds a password).</summary>
    public static void WriteSecretFile(string path, string contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Empty);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(path, contents);
    }
}
