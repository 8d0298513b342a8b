using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WebFrontend.FunctionalTests;

/// <summary>Connection strings that cannot work: the error names <c>ConnectionStrings:{name}</c> and what to fix.</summary>
[Collection(StackCollection.Name)]
public sealed class ConfigurationTests(StackFixture stack)
{
    [Theory]
    [InlineData("127.0.0.1:6379,password=x,colour=blue", "colour")]
    [InlineData("127.0.0.1:6379,connectTimeout=soon", "connectTimeout")]
    [InlineData("password=only", "names no endpoint")]
    public async Task AMalformedConnectionStringStopsTheStartWithAnErrorNamingIt(string connectionString, string reason)
    {
        await using var replica = stack.ReplicaWithCaches(new Dictionary<string, string>
        {
            ["cache"] = stack.ConnectionString(stack.SharedRedis),
            ["cache-naive-1"] = connectionString,
        });

        var error = Assert.ThrowsAny<Exception>(() => replica.CreateClient());

        var message = Innermost(error).Message;
        Assert.Contains("ConnectionStrings:cache-naive-1", message);
        Assert.Contains(reason, message);
        Assert.Contains("host:port", message);
    }

    [Fact]
    public async Task AReplicaStartedOnAWrongPasswordServesFromCatalogApiAndItsHealthSaysWhichPasswordIsWrong()
    {
        await using var replica = stack.ReplicaWithCache($"{stack.SharedRedis.EndPoint},password=not-the-password");
        using var client = replica.CreateClient();

        using var read = await client.GetAsync("/api/products/620");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("bypass", read.Cache());
        using var write = await client.PutAsync("/api/products/620/price", new StringContent("""{"price": 6.2}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        // While the client reconnects a failed PING may only say "UnableToConnect"; the reason shows once an
        // attempt has been refused, which the check then keeps. Waits for that reason itself ("password" alone also
        // matches the masked connection string every description quotes), bounded at a minute.
        const string Reason = "password in 'ConnectionStrings:cache'";
        var health = replica.Services.GetRequiredService<HealthCheckService>();
        var cache = (await health.CheckHealthAsync()).Entries["cache"];
        for (var attempt = 0; attempt < 240 && !cache.Description!.Contains(Reason, StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(250);
            cache = (await health.CheckHealthAsync()).Entries["cache"];
        }
        Assert.Equal(HealthStatus.Unhealthy, cache.Status);
        Assert.True(cache.Description!.Contains(Reason, StringComparison.Ordinal), cache.Description);
        Assert.DoesNotContain("not-the-password", cache.Description);
    }

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is not null && error is not WebFrontend.Services.CacheConfigurationException)
        {
            error = error.InnerException;
        }
        return error;
    }
}
