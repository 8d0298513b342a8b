using System.Net;
using System.Net.Http.Json;

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
