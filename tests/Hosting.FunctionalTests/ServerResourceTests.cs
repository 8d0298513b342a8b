using Hosting.Testing;
using Npgsql;

namespace Hosting.FunctionalTests;

public class ServerResourceTests
{
    [Fact]
    public async Task PostgresDatabaseIsReachableWithTheInjectedConnectionString()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var db = builder.AddPostgres("postgres").AddDatabase("catalogdb");
        builder.AddExecutable("client", "/bin/sleep", ".", "600").WithReference(db).WaitFor(db);
        await using var app = builder.Build();

        await app.StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("catalogdb").WaitAsync(TimeSpan.FromSeconds(60));

        var injected = app.GetEnvironmentVariables("client")["ConnectionStrings__catalogdb"];
        Assert.Equal(await app.GetConnectionStringAsync("catalogdb"), injected);
        await using var connection = new NpgsqlConnection(injected);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.Equal("catalogdb", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task PostgresRefusesAWrongPassword()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddPostgres("postgres").AddDatabase("catalogdb");
        await using var app = builder.Build();
        await app.StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("catalogdb").WaitAsync(TimeSpan.FromSeconds(60));

        var wrong = new NpgsqlConnectionStringBuilder(await app.GetConnectionStringAsync("catalogdb")) { Password = "wrong", Pooling = false };
        await using var connection = new NpgsqlConnection(wrong.ConnectionString);
        await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
    }

    [Fact]
    public async Task RedisAnswersPingWithTheGeneratedPasswordOnly()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedis("cache");
        await using var app = builder.Build();
        await app.StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("cache").WaitAsync(TimeSpan.FromSeconds(30));

        var connectionString = await app.GetConnectionStringAsync("cache");
        var parts = connectionString.Split(',');
        var port = app.GetEndpoint("cache").Port;
        Assert.Equal($"127.0.0.1:{port}", parts[0]);
        var password = parts[1]["password=".Length..];

        Assert.Equal("+OK\r\n+PONG\r\n", await RespAsync(port, $"*2\r\n$4\r\nAUTH\r\n${password.Length}\r\n{password}\r\n*1\r\n$4\r\nPING\r\n", 2));
        Assert.StartsWith("-NOAUTH", await RespAsync(port, "*1\r\n$4\r\nPING\r\n", 1));
    }

    private static async Task<string> RespAsync(int port, string request, int replies)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
        var received = "";
        var buffer = new byte[512];
        while (received.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length < replies)
        {
            var n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            if (n == 0)
            {
                break;
            }
            received += System.Text.Encoding.ASCII.GetString(buffer, 0, n);
        }
        return received;
    }
}
