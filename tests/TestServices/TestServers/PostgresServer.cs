using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace TestServers;

/// <summary>
/// A real PostgreSQL 15 for component tests: <c>initdb</c> (scram-sha-256, a generated password) and the server run
/// as user <c>postgres</c> through <c>setpriv</c>, listening on 127.0.0.1 on a free port, with its data in a temp
/// folder; the server is ended and the folder deleted on dispose (the server also on process exit, should a
/// test host die).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>Where Debian's postgresql-15 package puts the server binaries.</summary>
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private readonly string _directory;
    private Process? _process;

    private PostgresServer(string directory, string password)
    {
        _directory = directory;
        Password = password;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
    }

    /// <summary>The port the server listens on (127.0.0.1 only).</summary>
    public int Port { get; private set; }

    /// <summary>The password of the superuser <c>postgres</c>.</summary>
    public string Password { get; }

    /// <summary>Initializes a cluster in a temp folder and starts the server; answers once it accepts connections.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("postgres-tests-").FullName;
        var server = new PostgresServer(directory, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        try
        {
            await server.InitializeAsync();
            // A port found free can be taken before the server binds it (other tests, other processes' outgoing
            // connections): try another one.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = RedisServers.FreePort();
                try
                {
                    await server.RunAsync();
                    return server;
                }
                catch (PortTakenException) when (attempt < 5)
                {
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An Npgsql connection string for <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database = "postgres")
        => $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Database={database};Username=postgres;Password={Password}";

    /// <summary>Creates an empty database and answers its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var result = await PsqlAsync($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"CREATE DATABASE {name} failed: {result.Output}");
        }
        return ConnectionString(name);
    }

    /// <summary>Runs one SQL command with psql as the superuser.</summary>
    public Task<(int ExitCode, string Output)> PsqlAsync(string sql, string database = "postgres")
        => ToolRunner.RunAsync("psql", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql],
            new Dictionary<string, string> { ["PGPASSWORD"] = Password });

    /// <summary>
    /// Kills the server as a crash would (SIGKILL; its backends go with it): connections are refused until
    /// <see cref="StartAgainAsync"/>. The data folder stays.
    /// </summary>
    public void Crash() => Kill();

    /// <summary>Starts the server again on its port and data after <see cref="Crash"/>; answers once it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        // Clients keep the port in their connection strings, so it must be this one. While the server was down an
        // outgoing connection of another process may have been given it as its local port: wait for that to end.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await RunAsync();
                return;
            }
            catch (PortTakenException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
            catch (PortTakenException)
            {
                throw new InvalidOperationException($"postgres could not bind 127.0.0.1:{Port} again within 30 s: another process holds the port.");
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return ValueTask.CompletedTask;
    }

    private async Task InitializeAsync()
    {
        // initdb refuses to run as root and the server must own its folders: both belong to postgres.
        var passwordFile = Path.Combine(_directory, "password");
        await File.WriteAllTextAsync(passwordFile, Password);
        await CheckAsync("chown", ["-R", "postgres:postgres", _directory]);
        await CheckAsync("setpriv", [.. AsPostgres, Path.Combine(BinDirectory, "initdb"), "-D", DataDirectory, "-U", "postgres",
            "--pwfile", passwordFile, "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync"]);
        File.Delete(passwordFile);
    }

    private async Task RunAsync()
    {
        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // fsync off makes the 10,000-row seed fast and gives up durability only against an OS crash. Commits stay
        // synchronous: with synchronous_commit off a commit acknowledged just before Crash() is lost with the WAL
        // buffers, and the tests of a database outage expect the rows they read before it after it.
        foreach (var arg in (string[])[.. AsPostgres, Path.Combine(BinDirectory, "postgres"), "-D", DataDirectory, "-p", Port.ToString(CultureInfo.InvariantCulture),
                     "-k", _directory, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=300"])
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        _process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await ToolRunner.RunAsync("pg_isready", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture)])).ExitCode != 0)
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                string output;
                lock (log)
                {
                    output = log.ToString();
                }
                if (_process.HasExited && output.Contains("could not bind", StringComparison.Ordinal))
                {
                    throw new PortTakenException();
                }
                throw new InvalidOperationException($"postgres on 127.0.0.1:{Port} did not accept connections within 60 s: {output}");
            }
            await Task.Delay(100);
        }
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    private static string[] AsPostgres => ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"];

    private void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            // The postmaster's children end on their own when it dies; the tree kill makes that immediate.
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
    }

    private static async Task CheckAsync(string file, string[] args)
    {
        var result = await ToolRunner.RunAsync(file, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({result.ExitCode}): {result.Output}");
        }
    }

    private sealed class PortTakenException : Exception;
}
