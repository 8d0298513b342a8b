namespace Hosting.Processes;

/// <summary>Finds the server binaries; a missing one is an error that names the Debian package to install.</summary>
internal static class BinaryLocator
{
    public static string Find(string name, string debianPackage, params string[] extraDirectories)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in extraDirectories.Concat(path.Split(':', StringSplitOptions.RemoveEmptyEntries)).Append("/usr/sbin").Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DistributedApplicationException($"{name} was not found: apt-get install {debianPackage}");
    }

    /// <summary>The bin folders of the installed PostgreSQL versions, newest first (/usr/lib/postgresql/15/bin).</summary>
    public static string[] PostgresDirectories()
    {
        const string Root = "/usr/lib/postgresql";
        if (!Directory.Exists(Root))
        {
            return [];
        }
        return [.. Directory.GetDirectories(Root)
            .Select(d => (Dir: d, Version: double.TryParse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0))
            .OrderByDescending(d => d.Version)
            .Select(d => Path.Combine(d.Dir, "bin"))];
    }
}
