using System.Diagnostics;
using System.Globalization;
using Hosting.ApplicationModel;
using Hosting.Processes;
using Npgsql;

namespace Hosting.Postgres;

/// <summary>
/// Runs PostgreSQL in the foreground from a data folder in the state folder: initdb on first run (password auth
/// on TCP), then <c>postgres -D</c>. Postgres refuses to run as root, so as root it runs as the postgres user.
/// </summary>
internal sealed class PostgresLauncher(PostgresServerResource postgres, DistributedApplication app) : ResourceLauncher(postgres)
{
    private string Home => Path.Combine(app.Options.StateDirectory, postgres.Name);

    private string DataDirectory => Path.Combine(Home, "data");

    private string SocketDirectory => Path.Combine(Home, "run");

    public override int StopSignal => UnixProcess.SigInt;

    public override bool HasHealthCheck => true;

    public override async Task<ProcessSpec> PrepareAsync(int replica, CancellationToken cancellationToken)
    {
        var dirs = BinaryLocator.PostgresDirectories();
        var server = BinaryLocator.Find("postgres", "postgresql", dirs);
        var initdb = BinaryLocator.Find("initdb", "postgresql", dirs);
        var asRoot = UnixProcess.IsRoot;

        Directory.CreateDirectory(Home);
        if (asRoot)
        {
            // The postgres user must be able to reach its folders inside a state folder that root created.
            MakeTraversable(app.Options.StateDirectory);
            MakeTraversable(Home);
        }

        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await InitializeAsync(initdb, asRoot, cancellationToken).ConfigureAwait(false);
        }

        RemoveStaleLockFile();
        Directory.CreateDirectory(SocketDirectory);
        if (asRoot)
        {
            await RunToEndAsync("chown", ["-R", "postgres:postgres", SocketDirectory, DataDirectory], cancellationToken).ConfigureAwait(false);
        }

        List<string> args =
        [
            server, "-D", DataDirectory,
            "-p", postgres.Port.ToString(CultureInfo.InvariantCulture),
            "-k", SocketDirectory,
            "-c", "listen_addresses=127.0.0.1",
        ];
        return AsPostgresUser(args, asRoot);
    }

    public override async Task<bool> CheckHealthAsync(int replica, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(postgres.GetConnectionString() + ";Database=postgres;Pooling=false;Timeout=2");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
    }

    public override IReadOnlyList<string> GetEndpoints(int replica) => [$"tcp://127.0.0.1:{postgres.Port}"];

    /// <summary>Creates the database when missing, then proves it accepts a connection.</summary>
    public static async Task EnsureDatabaseAsync(PostgresDatabaseResource database, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(database.Parent.GetConnectionString() + ";Database=postgres;Pooling=false;Timeout=5"))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", database.DatabaseName);
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                // The name was validated (lowercase letters, digits, '-'), so quoting it is enough.
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.DatabaseName}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await using var check = new NpgsqlConnection(database.GetConnectionString() + ";Pooling=false;Timeout=5");
        await check.OpenAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A killed postmaster leaves postmaster.pid behind, and Postgres refuses to start while that pid exists. A
    /// zombie nobody has reaped yet still "exists" for Postgres, so a dead or zombie pid makes the file stale.
    /// </summary>
    private void RemoveStaleLockFile()
    {
        var lockFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (File.Exists(lockFile)
            && int.TryParse(File.ReadLines(lockFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && !UnixProcess.IsAlive(pid))
        {
            File.Delete(lockFile);
        }
    }

    private async Task InitializeAsync(string initdb, bool asRoot, CancellationToken cancellationToken)
    {
        if (Directory.Exists(DataDirectory))
        {
            // A half-initialized folder (initdb interrupted) cannot be reused.
            Directory.Delete(DataDirectory, recursive: true);
        }
        Directory.CreateDirectory(DataDirectory);
        File.WriteAllText(Path.Combine(Home, "password"), postgres.Password);
        OwnerOnly(Path.Combine(Home, "password"));
        var pwfile = Path.Combine(Home, "pwfile");
        File.WriteAllText(pwfile, postgres.Password + "\n");
        OwnerOnly(pwfile);
        try
        {
            if (asRoot)
            {
                await RunToEndAsync("chown", ["-R", "postgres:postgres", DataDirectory, pwfile], cancellationToken).ConfigureAwait(false);
            }
            var spec = AsPostgresUser(
                [initdb, "-D", DataDirectory, "-U", postgres.UserName, "--auth-host=scram-sha-256", "--auth-local=trust",
                 $"--pwfile={pwfile}", "-E", "UTF8", "--locale=C", "--no-sync"], asRoot);
            await RunToEndAsync(spec.FileName, spec.Arguments, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(pwfile);
        }
    }

    private ProcessSpec AsPostgresUser(List<string> command, bool asRoot)
    {
        var env = new Dictionary<string, string> { ["LC_ALL"] = "C" };
        return asRoot
            ? new ProcessSpec("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", .. command], Home, env)
            : new ProcessSpec(command[0], command[1..], Home, env);
    }

    private static void OwnerOnly(string file)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static void MakeTraversable(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(directory);
        File.SetUnixFileMode(directory, mode | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    private static async Task RunToEndAsync(string fileName, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }
        startInfo.Environment["LC_ALL"] = "C";
        using var process = Process.Start(startInfo) ?? throw new DistributedApplicationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException(
                $"'{fileName} {string.Join(' ', args)}' failed with exit code {process.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
        }
    }
}
