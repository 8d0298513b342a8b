using System.Net;
using System.Net.Sockets;
using Hosting;
using Hosting.Testing;
using Npgsql;

namespace ServicesTesting;

/// <summary>
/// Real PostgreSQL and Redis for the functional tests, started through the same Hosting code the AppHost uses
/// (<see cref="DistributedApplicationTestingBuilder"/>): free loopback ports, a temp state folder, every process
/// ended on dispose. Everything about starting servers lives in this one file.
/// </summary>
public sealed class LocalServers : IAsyncLifetime
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly List<DistributedApplication> _apps = [];
    private string _catalogDb = "";

    /// <summary>The shared Redis (started with the fixture).</summary>
    public RedisServer Redis { get; private set; } = null!;

    /// <summary>An Npgsql connection string for database <paramref name="database"/> of the test Postgres.</summary>
    public string PostgresConnectionString(string database = "catalogdb")
        => new NpgsqlConnectionStringBuilder(_catalogDb) { Database = database, MaxPoolSize = 50 }.ConnectionString;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddPostgres("postgres").AddDatabase("catalogdb");
        builder.AddRedis("cache");
        var app = await StartAsync(builder, "catalogdb", "cache");
        _catalogDb = await app.GetConnectionStringAsync("catalogdb");
        Redis = new RedisServer(app, "cache", await app.GetConnectionStringAsync("cache"));
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
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedis("cache");
        var app = await StartAsync(builder, "cache");
        return new RedisServer(app, "cache", await app.GetConnectionStringAsync("cache"));
    }

    /// <summary>Starts a Redis Cluster of 3 masters (no replicas); it is ended with the fixture at the latest.</summary>
    public async Task<RedisServer> StartRedisClusterAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedisCluster("cache", masters: 3, replicasPerMaster: 0);
        var app = await StartAsync(builder, "cache");
        return new RedisServer(app, "cache", await app.GetConnectionStringAsync("cache"));
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>A free loopback port, found by binding port 0.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<DistributedApplication> StartAsync(IDistributedApplicationBuilder builder, params string[] resources)
    {
        var app = builder.Build();
        _apps.Add(app);
        await app.StartAsync();
        foreach (var resource in resources)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource).WaitAsync(s_startTimeout);
        }
        return app;
    }

    /// <summary>A Redis server started for the tests.</summary>
    public sealed class RedisServer(DistributedApplication app, string name, string connectionString)
    {
        /// <summary><c>127.0.0.1:port,password=...</c>, the format of <c>ConnectionStrings__cache</c>.</summary>
        public string ConnectionString { get; } = connectionString;

        /// <summary>SIGKILLs the server, as a crash would, and keeps it down (no supervised restart).</summary>
        public async Task KillAsync()
        {
            await app.KillResourceAsync(name);
            await app.StopResourceAsync(name);
        }
    }
}
