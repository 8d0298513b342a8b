using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hosting;
using Hosting.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Cluster.FunctionalTests;

/// <summary>The HTTP API the dashboard's cluster buttons call, against a real cluster.</summary>
public sealed class RedisClusterApiTests
{
    [Fact]
    public async Task TheApiShowsTheStateAddsAMasterAndAnswersProblemDetailsForBadInput()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedisCluster("cache");
        await using var app = builder.Build();
        await app.StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("cache").WaitAsync(TimeSpan.FromSeconds(60));
        var web = WebApplication.CreateSlimBuilder();
        web.WebHost.UseUrls("http://127.0.0.1:0");
        web.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var host = web.Build();
        host.MapRedisClusterApi(app);
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(host.Urls.First()) };

        var state = await http.GetFromJsonAsync<JsonElement>("/api/clusters/cache");
        Assert.True(state.GetProperty("ok").GetBoolean());
        Assert.Equal(6, state.GetProperty("nodes").GetArrayLength());
        Assert.Equal("Master", state.GetProperty("nodes")[0].GetProperty("role").GetString());

        var added = await http.PostAsync("/api/clusters/cache/masters", null);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var nodeId = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("nodeId").GetString();
        state = await http.GetFromJsonAsync<JsonElement>("/api/clusters/cache");
        Assert.Contains(state.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("id").GetString() == nodeId && n.GetProperty("slotCount").GetInt32() == 4096);

        var unknownNode = await http.DeleteAsync("/api/clusters/cache/nodes/ffffffffff");
        Assert.Equal(HttpStatusCode.BadRequest, unknownNode.StatusCode);
        Assert.Equal("application/problem+json", unknownNode.Content.Headers.ContentType?.MediaType);
        Assert.Contains("GetStateAsync", await unknownNode.Content.ReadAsStringAsync());

        var unknownCluster = await http.GetAsync("/api/clusters/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknownCluster.StatusCode);

        var events = await http.GetFromJsonAsync<JsonElement>("/api/clusters/cache/events");
        Assert.Contains(events.EnumerateArray(), e => e.GetProperty("operation").GetString() == "AddMaster" && e.GetProperty("step").GetString() == "done");
    }
}
