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
