using System.Globalization;
using Hosting.ApplicationModel;
using Hosting.Processes;
using RedisClient;

namespace Hosting.Redis;

/// <summary>Runs redis-server with its whole configuration on the command line; healthy when an authenticated PING answers.</summary>
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

    /// <summary>
    /// PING through the sample's own RedisClient with the generated password: healthy means the server accepts
    /// authenticated commands, the way every service will talk to it.
    /// </summary>
    internal static async Task<bool> PingAsync(int port, string password, CancellationToken cancellationToken)
    {
        var configuration = string.Create(CultureInfo.InvariantCulture,
            $"127.0.0.1:{port},password={password},connectTimeout=1000,syncTimeout=1000,name=apphost-health");
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration, cancellationToken).ConfigureAwait(false);
            await connection.GetDatabase().PingAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisServerException or RedisTimeoutException)
        {
            return false;
        }
    }
}
