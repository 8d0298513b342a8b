using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace ServicesTesting;

/// <summary>
/// Real PostgreSQL and Redis for the functional tests, on free loopback ports in a temp folder, ended on dispose.
/// Everything about starting servers lives in this one file so that it can be swapped for the Hosting harness
/// (<c>DistributedApplicationTestingBuilder</c>) without touching the tests.
/// </summary>
public sealed class LocalServers : IAsyncLifetime
{
    private const string PostgresBin = "/usr/lib/postgresql/15/bin";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "services-tests-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _postgresPassword = NewPassword();
    private readonly List<ServerProcess> _processes = [];
    private int _postgresPort;

    /// <summary>The shared Redis (started with the fixture).</summary>
    public RedisServer Redis { get; private set; } = null!;

    /// <summary>An Npgsql connection string for database <paramref name="database"/> of the test Postgres.</summary>
    public string PostgresConnectionString(string database = "catalogdb")
        => $"Host=127.0.0.1;Port={_postgresPort};Database={database};Username=postgres;Password={_postgresPassword};Pooling=true;Maximum Pool Size=50";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        await Task.WhenAll(StartPostgresAsync(), Task.Run(async () => Redis = await StartRedisAsync()));
        await CreateDatabaseAsync("catalogdb");
    }

    /// <summary>Creates an empty database, for a test that needs one of its own.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return PostgresConnectionString(name);
    }

    /// <summary>Starts another Redis, e.g. one a test kills; it is ended with the fixture at the latest.</summary>
    public async Task<RedisServer> StartRedisAsync()
    {
        var port = FreePort();
        var password = NewPassword();
        var dir = Path.Combine(_root, $"redis-{port}");
        Directory.CreateDirectory(dir);
        var process = Start("redis-server",
            ["--port", port.ToString(), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--appendonly", "no", "--dir", dir],
            asPostgres: false);
        await WaitForPortAsync(process, port);
        return new RedisServer(process, $"127.0.0.1:{port},password={password}");
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        KillAll();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A server that was just killed may still hold a file for a moment; the temp folder is cleaned later.
        }
        return Task.CompletedTask;
    }

    private async Task StartPostgresAsync()
    {
        var data = Path.Combine(_root, "pg");
        var passwordFile = Path.Combine(_root, "pgpass");
        await File.WriteAllTextAsync(passwordFile, _postgresPassword);
        Directory.CreateDirectory(data);
        await RunAsync("chown", ["-R", "postgres:postgres", _root]);
        await RunAsync("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--",
            Path.Combine(PostgresBin, "initdb"), "-D", data, "-U", "postgres", "--auth=scram-sha-256",
            $"--pwfile={passwordFile}", "-E", "UTF8", "--no-sync"]);

        _postgresPort = FreePort();
        // Durability is irrelevant for a throw-away test database; speed is not.
        var process = Start(Path.Combine(PostgresBin, "postgres"),
            ["-D", data, "-p", _postgresPort.ToString(), "-k", _root, "-c", "listen_addresses=127.0.0.1",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300"],
            asPostgres: true);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(PostgresConnectionString("postgres"));
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Postgres did not start:\n{process.Output}", ex);
            }
        }
    }

    private ServerProcess Start(string fileName, string[] arguments, bool asPostgres)
    {
        var info = new ProcessStartInfo(asPostgres ? "setpriv" : fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            // setpriv execs in place, so the pid held here is the server's.
            foreach (var a in (string[])["--reuid=postgres", "--regid=postgres", "--init-groups", "--", fileName])
            {
                info.ArgumentList.Add(a);
            }
        }
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        var process = new ServerProcess(Process.Start(info)!);
        lock (_processes)
        {
            _processes.Add(process);
        }
        return process;
    }

    private void KillAll()
    {
        lock (_processes)
        {
            foreach (var process in _processes)
            {
                process.Kill();
            }
        }
    }

    private static async Task RunAsync(string fileName, string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await stdout}{await stderr}");
        }
    }

    private static async Task WaitForPortAsync(ServerProcess process, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException ex)
            {
                throw new InvalidOperationException($"The server did not open port {port}:\n{process.Output}", ex);
            }
        }
    }

    /// <summary>A free loopback port, found by binding port 0.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <summary>A Redis server started for the tests.</summary>
    public sealed class RedisServer(ServerProcess process, string connectionString)
    {
        /// <summary><c>127.0.0.1:port,password=...</c>, the format of <c>ConnectionStrings__cache</c>.</summary>
        public string ConnectionString { get; } = connectionString;

        /// <summary>Kills the server (SIGKILL), as a crash would.</summary>
        public void Kill() => process.Kill();
    }

    /// <summary>A started server and the tail of what it printed, for error messages.</summary>
    public sealed class ServerProcess
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        internal ServerProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        /// <summary>True when the process ended.</summary>
        public bool HasExited => _process.HasExited;

        /// <summary>What the process printed (the last 8 KB).</summary>
        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>Kills the process and its children, if still running.</summary>
        public void Kill()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (_output)
            {
                _output.AppendLine(line);
                if (_output.Length > 8192)
                {
                    _output.Remove(0, _output.Length - 8192);
                }
            }
        }
    }
}
