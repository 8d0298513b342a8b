using System.Net.Sockets;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Aspire.Hosting.ApplicationModel;
using StackExchange.Redis;

namespace Hosting.FunctionalTests;

[Collection(LocalServersCollection.Name)]
public sealed class LocalRedisTests(LocalServersFixture fixture)
{
    [Fact]
    public async Task ALocalRedisIsHealthyAndServesItsConnectionString()
    {
        var connectionString = await fixture.App.GetConnectionStringAsync("cache");

        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString!);
        var db = redis.GetDatabase();
        await db.StringSetAsync("hosting-test", "value");

        Assert.Equal("value", (string?)await db.StringGetAsync("hosting-test"));
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState("cache", out var state) && state.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);
    }

    [Fact]
    public async Task ALocalRedisRefusesAClientWithoutItsPassword()
    {
        var withoutPassword = await SendAsync(fixture.Redis.Port, "*1\r\n$4\r\nPING\r\n");
        var wrongPassword = await SendAsync(fixture.Redis.Port, "*2\r\n$4\r\nAUTH\r\n$5\r\nwrong\r\n");

        Assert.StartsWith("-NOAUTH", withoutPassword, StringComparison.Ordinal);
        Assert.StartsWith("-WRONGPASS", wrongPassword, StringComparison.Ordinal);
    }

    [Fact]
    public void ALocalRedisListensOnLoopbackOnly()
    {
        var addresses = LoopbackListeners.ListeningAddresses(fixture.Redis.Port);

        Assert.Equal(["0100007F"], addresses);
    }

    [Fact]
    public async Task NoProcessCarriesTheRedisPasswordOnItsCommandLine()
    {
        var password = await fixture.Redis.PasswordParameter.GetValueAsync(CancellationToken.None);

        var commandLines = Directory.GetDirectories("/proc")
            .Select(d => Path.Combine(d, "cmdline"))
            .Select(f =>
            {
                try
                {
                    return File.ReadAllText(f).Replace('\0', ' ');
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return string.Empty;
                }
            })
            .ToList();

        // redis-server replaces its command line with "<argv[0]> 127.0.0.1:<port>" once it runs.
        Assert.Contains(commandLines, c => c.Contains($"redis-server 127.0.0.1:{fixture.Redis.Port}", StringComparison.Ordinal));
        Assert.DoesNotContain(commandLines, c => c.Contains(password!, StringComparison.Ordinal));
    }

    private static async Task<string> SendAsync(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync() ?? string.Empty;
    }
}
