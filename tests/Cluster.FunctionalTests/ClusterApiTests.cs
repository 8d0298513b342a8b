using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.FunctionalTests;

/// <summary>The HTTP API the AppHost maps (<c>MapRedisClusterApi</c>) over the same operations, on a loopback Kestrel.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterApiTests(ClusterFixture fixture) : IAsyncLifetime
{
    private WebApplication _web = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddProblemDetails();
        _web = builder.Build();
        _web.MapRedisClusterApi(fixture.App.Services);
        await _web.StartAsync();
        var address = _web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _web.DisposeAsync();
    }

    [Fact]
    public async Task TheStateOfARunningClusterIsItsNodesAsJson()
    {
        using var response = await _http.GetAsync("/api/clusters/hot");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var state = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(state.GetProperty("slotsCovered").GetInt32() > 0);
        var node = state.GetProperty("nodes")[0];
        Assert.Equal("Master", node.GetProperty("role").GetString());
        Assert.StartsWith("127.0.0.1:", node.GetProperty("address").GetString(), StringComparison.Ordinal);
        Assert.Equal(40, node.GetProperty("id").GetString()!.Length);
    }

    [Fact]
    public async Task AnUnknownClusterIs404AndAClusterNotStartedIs409()
    {
        using var unknown = await _http.PostAsync("/api/clusters/nope/masters", null);
        using var cold = await _http.PostAsync("/api/clusters/cold/masters", null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Conflict, cold.StatusCode);
        Assert.Contains("start it first", (await cold.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownRestartFaultIs400AndKillsNothing()
    {
        var before = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);

        using var response = await _http.PostAsync("/api/clusters/hot/failover?restart=sometimes", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("restart=fail", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var after = await fixture.Operations.GetStateAsync(ClusterFixture.Hot);
        Assert.Equal(before.Nodes.Select(n => n.ProcessId).Order(), after.Nodes.Select(n => n.ProcessId).Order());
    }

    [Fact]
    public async Task RemovingAnUnknownNodeIs404()
    {
        using var response = await _http.DeleteAsync("/api/clusters/hot/nodes/ffffffffffff");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task TheEventsAreTheLastStepsOfTheOperations()
    {
        using var response = await _http.GetAsync("/api/clusters/hot/events");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(events.EnumerateArray(), e => e.GetProperty("step").GetString() == "ready");
    }
}
