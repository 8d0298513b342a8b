using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Folders of the local servers.</summary>
internal static class LocalFolders
{
    /// <summary>
    /// The folder a resource uses when no <c>WithDataDirectory</c> was given: a new temp folder per app, so two runs
    /// (or two tests) never share node files or a Postgres cluster. Only named here; it is created when the app starts
    /// (a model that never starts leaves nothing), and it is deleted when the app has stopped (it holds
    /// config files with passwords, and data nobody will read again).
    /// </summary>
    public static string Default(IDistributedApplicationBuilder builder, string resourceName)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"aspire-{resourceName}-{Guid.NewGuid().ToString("N")[..8]}");
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            // DCP needs the working folder of an executable to exist, explicit-start ones included.
            Directory.CreateDirectory(folder);
            e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() => TryDelete(folder));
            return Task.CompletedTask;
        });
        return folder;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A process that has not fully exited may still write there; the OS cleans temp folders eventually.
        }
    }

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
