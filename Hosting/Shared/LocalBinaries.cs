using System.Globalization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Finds the Debian servers' binaries; a missing one is an error that names the package to install.</summary>
internal static class LocalBinaries
{
    /// <summary>The full path of <paramref name="name"/>, or <c>null</c> when it is not installed.</summary>
    public static string? Find(string name, params string[] extraDirectories)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in extraDirectories.Concat(path.Split(':', StringSplitOptions.RemoveEmptyEntries)).Append("/usr/sbin").Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The path of <paramref name="name"/>, or an exception that says which Debian package provides it.</summary>
    public static string Require(string name, string debianPackage, params string[] extraDirectories) =>
        Find(name, extraDirectories) ?? throw new DistributedApplicationException(NotInstalled(name, debianPackage));

    public static string NotInstalled(string name, string debianPackage) =>
        $"'{name}' was not found on PATH or in /usr/lib/postgresql/*/bin. Install the Debian package: sudo apt-get install {debianPackage} (./run.sh does it).";

    /// <summary>The bin folders of the installed PostgreSQL versions, newest first (e.g. /usr/lib/postgresql/15/bin).</summary>
    public static string[] PostgresDirectories()
    {
        const string Root = "/usr/lib/postgresql";
        if (!Directory.Exists(Root))
        {
            return [];
        }

        return [.. Directory.GetDirectories(Root)
            .Select(d => (Dir: d, Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
            .OrderByDescending(d => d.Version)
            .Select(d => Path.Combine(d.Dir, "bin"))];
    }
}
