using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace TestServers;

/// <summary>
/// Starts real redis-server processes on free loopback ports in a temp folder and ends them all on dispose (and on
/// process exit, should a test host die). Shared by the component tests and the benchmarks, which need servers without an AppHost.
/// </summary>
public sealed class RedisServers : IAsyncDisposable
{
    private readonly List<RedisNode> _nodes = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("redis-servers-").FullName;

    public RedisServers()
    {
        Password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    public string Password { get; }

    public IReadOnlyList<RedisNode> Nodes => _nodes;

    /// <summary>Starts one server; cluster nodes get cluster-enabled and a short node timeout for fast failover.</summary>
    public async Task<RedisNode> StartAsync(bool cluster = false, int? port = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var node = new RedisNode(this, port ?? FreePort(cluster), cluster, Path.Combine(_directory, $"node-{_nodes.Count}"));
            _nodes.Add(node);
            try
            {
                await node.StartAsync();
                return node;
            }
            catch (PortTakenException) when (port is null && attempt < 5)
            {
                // The free port was taken (an outgoing connection's ephemeral port, another test's server) between
                // the check and redis-server's bind: another port, not a failed test.
                _nodes.Remove(node);
            }
        }
    }

    /// <summary>Six cluster nodes joined as 3 masters + 3 replicas by redis-cli --cluster create.</summary>
    public async Task<IReadOnlyList<RedisNode>> StartClusterAsync()
    {
        var nodes = new List<RedisNode>();
        for (var i = 0; i < 6; i++)
        {
            nodes.Add(await StartAsync(cluster: true));
        }

        var create = await ToolRunner.RunAsync("redis-cli", ["-a", Password, "--no-auth-warning", "--cluster", "create",
            .. nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "1", "--cluster-yes"]);
        if (create.ExitCode != 0)
        {
            throw new InvalidOperationException("redis-cli --cluster create failed: " + create.Output);
        }

        // Every node must agree that the cluster is up before tests route by the slot map.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var node in nodes)
        {
            while (!(await node.CliAsync("CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The cluster did not reach cluster_state:ok on {node.Port} within 30 s.");
                }

                await Task.Delay(100);
            }
        }

        // Replicas must have finished their first sync, or WAIT counts nothing and no failover can happen.
        foreach (var node in nodes)
        {
            while (true)
            {
                var replication = await node.CliAsync("INFO", "replication");
                if (replication.Contains("role:slave", StringComparison.Ordinal)
                    ? replication.Contains("master_link_status:up", StringComparison.Ordinal)
                    : replication.Contains("connected_slaves:1", StringComparison.Ordinal) && replication.Contains("state=online", StringComparison.Ordinal))
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Replication on {node.Port} was not up within 30 s: {replication}");
                }

                await Task.Delay(100);
            }
        }

        return nodes;
    }

    public string ConnectionString(params RedisNode[] nodes)
        => string.Join(',', nodes.Select(n => $"127.0.0.1:{n.Port}")) + $",password={Password},connectTimeout=2000,syncTimeout=3000";

    public ValueTask DisposeAsync()
    {
        KillAll();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private void KillAll()
    {
        foreach (var node in _nodes)
        {
            node.Kill();
        }
    }

    public static int FreePort(bool cluster = false)
    {
        // A cluster node also listens on port + 10000 (the cluster bus): both must be free.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(20000, 55000);
            if (IsFree(port) && (!cluster || IsFree(port + 10000)))
            {
                return port;
            }
        }

        throw new InvalidOperationException("No free loopback port found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>One redis-server process; can be killed with SIGKILL and started again on the same port.</summary>
    public sealed class RedisNode(RedisServers owner, int port, bool cluster, string directory)
    {
        private Process? _process;

        public int Port { get; } = port;

        public bool IsRunning => _process is { HasExited: false };

        public string EndPoint => $"127.0.0.1:{Port}";

        public async Task StartAsync()
        {
            Directory.CreateDirectory(directory);
            var start = new ProcessStartInfo("redis-server")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            string[] args =
            [
                "--port", Port.ToString(), "--bind", "127.0.0.1", "--requirepass", owner.Password, "--masterauth", owner.Password,
                "--save", "", "--appendonly", "no", "--enable-debug-command", "local", "--dir", directory, "--logfile", Path.Combine(directory, "redis.log"),
            ];
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            if (cluster)
            {
                foreach (var arg in new[] { "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0" })
                {
                    start.ArgumentList.Add(arg);
                }
            }

            _process = Process.Start(start)!;
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (true)
            {
                if (_process.HasExited)
                {
                    var log = File.ReadAllText(Path.Combine(directory, "redis.log"));
                    throw log.Contains("Address already in use", StringComparison.Ordinal)
                        ? new PortTakenException($"redis-server could not bind {Port}: {log}")
                        : new InvalidOperationException($"redis-server on {Port} exited: {log}");
                }

                if ((await CliAsync("PING")).Contains("PONG", StringComparison.Ordinal))
                {
                    return;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"redis-server on {Port} did not answer PING within 15 s.");
                }

                await Task.Delay(50);
            }
        }

        /// <summary>SIGKILL: no goodbye to clients or to the cluster.</summary>
        public void Kill()
        {
            if (_process is { HasExited: false } process)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }

        public async Task<string> CliAsync(params string[] command)
        {
            var result = await ToolRunner.RunAsync("redis-cli", ["-h", "127.0.0.1", "-p", Port.ToString(), "-a", owner.Password, "--no-auth-warning", .. command]);
            return result.Output;
        }
    }

    /// <summary>redis-server found its port taken.</summary>
    private sealed class PortTakenException(string message) : Exception(message);
}
