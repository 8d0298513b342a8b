namespace AppHost;

/// <summary>The servers the sample runs as local processes; a missing one is named with its Debian package.</summary>
public static class Prerequisites
{
    /// <summary>Throws <see cref="AppHostOptionsException"/> naming the Debian package of each missing server.</summary>
    public static void EnsureInstalled()
    {
        var missing = new List<string>();
        if (!OnPath("redis-server"))
        {
            missing.Add("redis-server (Debian package redis-server)");
        }
        if (!OnPath("postgres") && !OnPath("initdb") && !(Directory.Exists("/usr/lib/postgresql") && Directory.EnumerateFiles("/usr/lib/postgresql", "initdb", SearchOption.AllDirectories).Any()))
        {
            missing.Add("postgres/initdb (Debian package postgresql)");
        }
        if (missing.Count > 0)
        {
            throw new AppHostOptionsException(
                $"Not installed: {string.Join(", ", missing)}. Install with 'apt-get install redis-server postgresql' or start with ./run.sh, which installs them.");
        }
    }

    private static bool OnPath(string program)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
