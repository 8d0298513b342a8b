using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Hosting.ApplicationModel;
using Hosting.Processes;

namespace Hosting.Redis;

/// <summary>Runs redis-server with its whole configuration on the command line; healthy when AUTH + PING answer.</summary>
internal sealed class RedisLauncher(RedisResource redis, DistributedApplication app) : ResourceLauncher(redis)
{
    public override Task<ProcessSpec> PrepareAsync(int replica, CancellationToken cancellationToken)
    {
        var binary = BinaryLocator.Find("redis-server", "redis-server");
        var dir = Path.Combine(app.Options.StateDirectory, redis.Name);
        Directory.CreateDirectory(dir);
        string[] args =
        [
            "--port", redis.Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--requirepass", redis.Password,
            // A cache: nothing is written to disk, so a restart starts empty, as a cache may.
            "--save", "",
            "--appendonly", "no",
            "--dir", dir,
            "--daemonize", "no",
        ];
        return Task.FromResult(new ProcessSpec(binary, args, dir, new Dictionary<string, string>()));
    }

    public override bool HasHealthCheck => true;

    public override Task<bool> CheckHealthAsync(int replica, CancellationToken cancellationToken)
        => PingAsync(redis.Port, redis.Password, cancellationToken);

    public override IReadOnlyList<string> GetEndpoints(int replica) => [$"tcp://127.0.0.1:{redis.Port}"];

    /// <summary>AUTH then PING over a raw socket: enough to know the server accepts authenticated commands.</summary>
    internal static async Task<bool> PingAsync(int port, string password, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        var request = $"*2\r\n$4\r\nAUTH\r\n${Encoding.UTF8.GetByteCount(password)}\r\n{password}\r\n*1\r\n$4\r\nPING\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), cancellationToken).ConfigureAwait(false);
        var buffer = new byte[256];
        var received = new StringBuilder();
        while (!received.ToString().Contains("PONG", StringComparison.Ordinal) && received.Length < 256)
        {
            var n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
            if (received.ToString().StartsWith('-'))
            {
                return false;
            }
        }
        return received.ToString() == "+OK\r\n+PONG\r\n";
    }
}
