using System.Net;
using System.Net.Http.Json;
using AppHost;

namespace Topology.FunctionalTests;

[Collection(SampleStackCollection.Name)]
public sealed class AdminApiTests(SampleStack stack)
{
    [Fact]
    public async Task AReplicaRefusesACacheSwitchWithoutItsAdminToken()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/cache") { Content = JsonContent.Create(new { connectionString = (string?)null }) };
        request.Headers.Add("X-Admin-Token", "not-the-token");

        using var response = await stack.Replicas[0].SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AReplicaAnswersBadCacheSettingsWithAProblemNamingEachField()
    {
        var token = stack.App.GetEnvironmentVariables(SampleApplication.Names.WebFrontend, 0)["ADMIN_TOKEN"];
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/cache")
        {
            Content = JsonContent.Create(new { connectionString = (string?)null, nearCache = "sometimes", waitForReplicas = 9 }),
        };
        request.Headers.Add("X-Admin-Token", token);

        using var response = await stack.Replicas[0].SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("nearCache", body, StringComparison.Ordinal);
        Assert.Contains("waitForReplicas", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"name\": \"memcached\" }", HttpStatusCode.BadRequest)]
    [InlineData("{ \"name\": \"single\", \"waitForReplicas\": 1 }", HttpStatusCode.BadRequest)]
    public async Task TheTopologyApiRefusesAnUnknownTopologyAndWaitWithoutReplicas(string json, HttpStatusCode expected)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await stack.AppHost.PutAsync("/api/topology", content);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
