using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost.Network;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

/// <summary>
/// The sample under <c>--network lan</c>: every hop through a link of the AppHost's emulated network. One AppHost
/// for the collection. No timing is asserted: these check that the traffic takes the links and that nothing fails.
/// </summary>
[Collection(NetworkAppCollection.Name)]
public sealed class NetworkTests(NetworkApp app, ITestOutputHelper output)
{
    private SampleApp Stack => app.Stack;

    [Fact]
    public async Task TheStorefrontWorksThroughTheLinksForSingleAndClusterSwitchedUnderLoad()
    {
        await Stack.SwitchAsync("single");
        await using (var load = await Load.StartAsync(Stack, "network single→cluster"))
        {
            await Stack.SwitchAsync("cluster");
            var summary = await load.StopAsync(output);

            Assert.Equal(0, summary.Errors);
            Assert.True(summary.Reads > 0, "the load read nothing");
        }

        // Every hop carried connections through its link: the services were given the links, not the servers.
        var status = await StatusAsync();
        foreach (var name in new[] { ResourceNames.WebFrontend(0), ResourceNames.WebFrontend(1), ResourceNames.WebFrontend(2), ResourceNames.CatalogApi, ResourceNames.Postgres })
        {
            Assert.True(status.Links.Single(l => l.Name == name).Connections > 0, $"nothing connects through the link to {name}: {Describe(status)}");
        }
        Assert.Contains(status.Links, l => l.Name.StartsWith(ResourceNames.ClusterCache + "-", StringComparison.Ordinal) && l.Connections > 0);
    }

    [Fact]
    public async Task ClusterNodesAnnounceTheirLinksPortsAndKeepTheirBus()
    {
        await Stack.SwitchAsync("cluster");
        var status = await StatusAsync();
        var nodeLinks = status.Links.Where(l => l.Name.StartsWith(ResourceNames.ClusterCache + "-", StringComparison.Ordinal)).ToDictionary(l => l.Target.Split(':')[1], l => l.Port);

        // The model's connection string names the nodes' own ports (the AppHost's operations use them).
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await Stack.App.GetConnectionStringAsync(ResourceNames.ClusterCache))!);
        var nodes = (string)(await redis.GetServer(redis.GetEndPoints().First()).ExecuteAsync("CLUSTER", "NODES"))!;
        output.WriteLine(nodes);
        var announced = nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')[1]).ToList();

        Assert.Equal(6, announced.Count);
        var linkPorts = nodeLinks.Values.ToHashSet();
        foreach (var address in announced)
        {
            // 127.0.0.1:<client port>@<bus port>: the client port is a link's, never the node's own.
            var clientPort = int.Parse(address.Split('@')[0].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains(clientPort, linkPorts);
            Assert.DoesNotContain(address.Split('@')[0].Split(':')[1], nodeLinks.Keys);
            Assert.DoesNotContain(int.Parse(address.Split('@')[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture), linkPorts);
        }
    }

    [Fact]
    public async Task PutNetworkChangesTheProfileUnderLoadWithoutAFailedRequest()
    {
        await Stack.SwitchAsync("cluster-near");
        await using var load = await Load.StartAsync(Stack, "network profile switches");
        foreach (var profile in new[] { "cross-zone", "lan-10g", "lan" })
        {
            using var response = await Stack.Control.PutAsJsonAsync("/api/network", new { profile });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"PUT /api/network {profile}: {(int)response.StatusCode} {body}");
            Assert.Equal(profile, JsonSerializer.Deserialize<NetworkStatus>(body, JsonSerializerOptions.Web)!.Profile);
            Assert.Equal(profile, (await StatusAsync()).Profile);
            // The dashboard's network resource says it too, with one property per link.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var shown = await Stack.App.ResourceNotifications.WaitForResourceAsync(NetworkModel.ResourceName, e => e.Snapshot.State?.Text == $"Running ({profile})", wait.Token);
            Assert.Contains(shown.Snapshot.Properties, p => p.Name == $"link.{ResourceNames.CatalogApi}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var summary = await load.StopAsync(output);

        Assert.Equal(0, summary.Errors);
        Assert.True(summary.Reads > 0, "the load read nothing");
    }

    [Theory]
    [InlineData("{\"profile\":\"wifi\"}", "Unknown network profile 'wifi'")]
    [InlineData("{\"delay\":\"5s\"}", "out of range")]
    [InlineData("{}", "Send { \"profile\": \"...\" } with one of: lan (")]
    public async Task ABadProfileIsAProblemSayingWhatIsAccepted(string json, string message)
    {
        var before = (await StatusAsync()).Profile;
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await Stack.Control.PutAsync("/api/network", content);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(message, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await StatusAsync()).Profile);
    }

    private async Task<NetworkStatus> StatusAsync()
        => (await Stack.Control.GetFromJsonAsync<NetworkStatus>("/api/network", JsonSerializerOptions.Web))!;

    private static string Describe(NetworkStatus status) => string.Join("; ", status.Links.Select(l => $"{l.Name} {l.Connections}"));
}

/// <summary>The sample started with <c>--network lan</c>, for <see cref="NetworkTests"/>.</summary>
public sealed class NetworkApp : IAsyncLifetime
{
    /// <summary>The started AppHost.</summary>
    public SampleApp Stack { get; } = new(["--network", "lan"]);

    /// <inheritdoc />
    public Task InitializeAsync() => Stack.InitializeAsync();

    /// <inheritdoc />
    public Task DisposeAsync() => Stack.DisposeAsync();
}

/// <summary>The tests that share one <see cref="NetworkApp"/>.</summary>
[CollectionDefinition(Name)]
public sealed class NetworkAppCollection : ICollectionFixture<NetworkApp>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "network app";
}
