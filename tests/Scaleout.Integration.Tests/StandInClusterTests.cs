using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scaleout.Integration;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Scaleout.Integration.Tests;

/// <summary>
/// The integration against a real Redis Cluster standing in for SOSS's Redis-protocol endpoint: SOSS itself has not
/// been run here, and each test name says so.
/// </summary>
[Collection(StandInClusterCollection.Name)]
public class StandInClusterTests(StandInCluster cluster, ITestOutputHelper output)
{
    private static ScaleOutStateServerSettings Read(params (string Key, string? Value)[] values)
        => ScaleOutStateServerConfiguration.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, v.Value))).Build());

    private async Task<HealthCheckResult> CheckAsync(ScaleOutStateServerSettings settings)
    {
        await using var check = new ScaleOutStateServerHealthCheck(settings);
        var result = await check.CheckHealthAsync(new HealthCheckContext());
        // The description is what the dashboard shows: keep it in the test log for whoever reads it.
        output.WriteLine($"{result.Status}: {result.Description}");
        return result;
    }

    [Fact]
    public async Task TheHealthCheckIsHealthyWithTheHostsParameterAgainstARedisClusterStandingInForSoss()
    {
        var result = await CheckAsync(Read(("Parameters:soss-hosts", cluster.Hosts), ("Parameters:soss-password", cluster.Password)));

        Assert.True(result.Status == HealthStatus.Healthy, result.Description);
    }

    [Fact]
    public async Task TheHealthCheckIsHealthyWithAWholeConnectionStringNamingOneHostAgainstARedisClusterStandingInForSoss()
    {
        var result = await CheckAsync(Read(("ConnectionStrings:soss", $"{cluster.Nodes[0].EndPoint},password={cluster.Password}")));

        Assert.True(result.Status == HealthStatus.Healthy, result.Description);
    }

    [Fact]
    public async Task TheResourcesConnectionStringSpreadsSetAndGetOverEveryMasterOfARedisClusterStandingInForSoss()
    {
        var builder = AppModelTests.NewBuilder();
        builder.Configuration["Parameters:soss-hosts"] = cluster.Hosts;
        builder.Configuration["Parameters:soss-password"] = cluster.Password;
        var soss = builder.AddScaleOutStateServer();

        var connectionString = await soss.Resource.ConnectionStringExpression.GetValueAsync(default);
        Assert.Equal($"{cluster.Hosts},password={cluster.Password}", connectionString);

        // What WebFrontend does with ConnectionStrings__soss: an ordinary StackExchange.Redis connection, which
        // learns the slot map and routes each key to its master.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(connectionString!);
        var database = connection.GetDatabase();
        var prefix = $"soss-test:{Guid.NewGuid():N}:";
        for (var i = 0; i < 100; i++)
        {
            Assert.True(await database.StringSetAsync(prefix + i, $"value-{i}"));
        }

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal($"value-{i}", await database.StringGetAsync(prefix + i));
        }

        var masters = connection.GetServers().Where(s => !s.IsReplica).ToList();
        Assert.Equal(3, masters.Count);
        var perMaster = new List<int>();
        foreach (var master in masters)
        {
            Assert.Equal(ServerType.Cluster, master.ServerType);
            perMaster.Add(await master.KeysAsync(pattern: prefix + "*").CountAsync());
        }

        Assert.Equal(100, perMaster.Sum());
        Assert.All(perMaster, count => Assert.True(count > 0, $"keys per master: {string.Join(", ", perMaster)}"));
    }

    [Fact]
    public async Task AHostWithNothingListeningIsUnhealthyNamingTheHostAndTheHostsSettingBesideARedisClusterStandingInForSoss()
    {
        var wrong = $"127.0.0.1:{RedisServers.FreePort()}";
        var result = await CheckAsync(Read(
            ("Parameters:soss-hosts", $"{cluster.Nodes[0].EndPoint},{wrong}"), ("Parameters:soss-password", cluster.Password)));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains($"endpoint {wrong} (from Parameters:soss-hosts) did not answer", result.Description, StringComparison.Ordinal);
        Assert.Contains("Check the host and port in Parameters:soss-hosts", result.Description, StringComparison.Ordinal);
        Assert.DoesNotContain($"endpoint {cluster.Nodes[0].EndPoint}", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongHostInTheConnectionStringIsUnhealthyNamingThatSettingInsteadOfARedisClusterStandingInForSoss()
    {
        var wrong = $"127.0.0.1:{RedisServers.FreePort()}";
        var result = await CheckAsync(Read(("ConnectionStrings:soss", $"{wrong},password={cluster.Password}")));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains($"endpoint {wrong} (from ConnectionStrings:soss) did not answer", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongPasswordIsUnhealthyNamingThePasswordSettingAgainstARedisClusterStandingInForSoss()
    {
        var result = await CheckAsync(Read(("Parameters:soss-hosts", cluster.Hosts), ("Parameters:soss-password", "not-the-password")));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("Parameters:soss-password", result.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAppHostRunsTheResourceAndItsRegisteredHealthCheckAgainstARedisClusterStandingInForSoss()
    {
        var builder = AppModelTests.NewBuilder();
        builder.Configuration["Parameters:soss-hosts"] = cluster.Hosts;
        builder.Configuration["Parameters:soss-password"] = cluster.Password;
        var soss = builder.AddScaleOutStateServer();
        await using var app = builder.Build();

        // What the orchestrator does at start for a resource without a process: initialize it. No DCP is needed for
        // that, and the health check is the one the AppHost's health service runs.
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var eventing = app.Services.GetRequiredService<IDistributedApplicationEventing>();
        await eventing.PublishAsync(new InitializeResourceEvent(
            soss.Resource, eventing, app.Services.GetRequiredService<ResourceLoggerService>(), notifications, app.Services));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await notifications.WaitForResourceAsync("soss", KnownResourceStates.Running, timeout.Token);

        var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "soss_soss_check");
        var entry = Assert.Single(health.Entries).Value;
        Assert.True(entry.Status == HealthStatus.Healthy, entry.Description);
    }
}

/// <summary>A plain Redis given by mistake for SOSS's endpoint.</summary>
public sealed class StandaloneRedisTests : IAsyncLifetime
{
    private readonly RedisServers _servers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    [Fact]
    public async Task AStandaloneRedisInsteadOfSossClusterEndpointIsUnhealthySayingSo()
    {
        var node = await _servers.StartAsync();
        var settings = ScaleOutStateServerConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(
        [
            KeyValuePair.Create<string, string?>("Parameters:soss-hosts", node.EndPoint),
            KeyValuePair.Create<string, string?>("Parameters:soss-password", _servers.Password),
        ]).Build());

        await using var check = new ScaleOutStateServerHealthCheck(settings);
        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("not as a cluster endpoint", result.Description, StringComparison.Ordinal);
        Assert.Contains("Parameters:soss-hosts", result.Description, StringComparison.Ordinal);
    }
}
