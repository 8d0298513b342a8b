using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;

namespace AppHost.EndToEndTests;

[Collection(SampleAppCollection.Name)]
public sealed class ControlApiTests(SampleApp stack)
{
    [Theory]
    [InlineData("{ \"name\": \"memcached\" }", HttpStatusCode.BadRequest)]
    [InlineData("{ \"name\": \"single\", \"waitForReplicas\": 1 }", HttpStatusCode.BadRequest)]
    public async Task TheTopologyApiRefusesAnUnknownTopologyAndWaitWithoutReplicas(string json, HttpStatusCode expected)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await stack.Control.PutAsync("/api/topology", content);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("evil.example", null, HttpStatusCode.BadRequest)]
    [InlineData(null, "http://evil.example", HttpStatusCode.Forbidden)]
    public async Task AnotherHostOrAForeignPageCanNeitherSwitchTheTopologyNorRunAClusterOperationHereOrThroughTheLab(string? host, string? origin, HttpStatusCode expected)
    {
        var before = stack.Controller.Current?.Name;
        var target = before == "naive" ? "none" : "naive";
        using var lab = stack.App.CreateHttpClient(global::AppHost.ResourceNames.LoadGen, "http");
        HttpRequestMessage Request(HttpMethod method, string url, object? body)
        {
            var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            if (host is not null)
            {
                request.Headers.Host = host;
            }
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }
            return request;
        }

        using var aSwitch = await stack.Control.SendAsync(Request(HttpMethod.Put, "/api/topology", new { name = target }));
        using var reset = await stack.Control.SendAsync(Request(HttpMethod.Post, "/api/clusters/cache-cluster/reset", null));
        using var labSwitch = await lab.SendAsync(Request(HttpMethod.Put, "/api/lab/topology", new { name = target }));
        using var labLoad = await lab.SendAsync(Request(HttpMethod.Post, "/api/load/start", new { rate = 10 }));

        foreach (var response in new[] { aSwitch, reset, labSwitch, labLoad })
        {
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(before, stack.Controller.Current?.Name);
        Assert.Null(stack.Controller.GetStatus().Switching);
        Assert.False((await lab.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/lab/state")).GetProperty("loadRunning").GetBoolean());
    }

    [Fact]
    public async Task TheLabPagesOriginMayCallTheControlApi()
    {
        using var lab = stack.App.CreateHttpClient(global::AppHost.ResourceNames.LoadGen, "http");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/topology");
        request.Headers.Add("Origin", lab.BaseAddress!.GetLeftPart(UriPartial.Authority));

        using var response = await stack.Control.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SossWithoutItsHostsIsListedButRefusedNamingTheSettingAndItsCommandIsDisabled()
    {
        var status = await stack.Control.GetFromJsonAsync<global::AppHost.Topologies.TopologyStatus>("/api/topology");
        Assert.Contains(status!.Available, t => t.Name == "soss");

        using var response = await stack.Control.PutAsJsonAsync("/api/topology", new { name = "soss" });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString();
        Assert.Contains("Parameters:soss-hosts", detail, StringComparison.Ordinal);
        Assert.NotEqual("soss", stack.Controller.Current?.Name);

        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(global::AppHost.ResourceNames.LoadBalancer, out var lb));
        var command = Assert.Single(lb.Snapshot.Commands, c => c.Name == "topology-soss");
        Assert.Equal(Aspire.Hosting.ApplicationModel.ResourceCommandState.Disabled, command.State);
        Assert.StartsWith("Unavailable: set Parameters:soss-hosts", command.DisplayDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondSwitchWhileOneRunsIsAConflict()
    {
        await stack.SwitchAsync("single");
        var first = stack.Control.PutAsJsonAsync("/api/topology", new { name = "naive" });
        // The controller says it is switching before the first request is answered.
        while (stack.Controller.GetStatus().Switching is null && !first.IsCompleted)
        {
            await Task.Delay(5);
        }
        using var second = await stack.Control.PutAsJsonAsync("/api/topology", new { name = "cluster" });
        using var firstResponse = await first;

        Assert.True(firstResponse.IsSuccessStatusCode, await firstResponse.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("naive", stack.Controller.Current?.Name);
    }

    [Fact]
    public async Task AReplicaRefusesACacheSwitchWithoutTheAdminTokenAndNamesTheCachesForAnUnknownOne()
    {
        using var withoutToken = new HttpRequestMessage(HttpMethod.Put, "/admin/cache") { Content = JsonContent.Create(new { cache = "cache" }) };
        withoutToken.Headers.Add("X-Admin-Token", "not-the-token");
        using var unknown = new HttpRequestMessage(HttpMethod.Put, "/admin/cache") { Content = JsonContent.Create(new { cache = "memcached", nearCache = "none", waitForReplicas = 0 }) };
        unknown.Headers.Add("X-Admin-Token", await stack.AdminTokenAsync());

        using var refused = await stack.Replicas[0].SendAsync(withoutToken);
        using var badInput = await stack.Replicas[0].SendAsync(unknown);
        var body = await badInput.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badInput.StatusCode);
        Assert.Contains("cache-cluster", body, StringComparison.Ordinal);
    }
}
