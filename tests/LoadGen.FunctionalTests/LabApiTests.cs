using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LoadGen.FunctionalTests;

/// <summary>The lab page's API, hosted in-process, against a fake storefront and a fake AppHost control API.</summary>
public class LabApiTests
{
    internal static WebApplicationFactory<Program> Service(FakeStorefront fake, FakeControlApi? control) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            // What the AppHost passes as environment variables (services__lb__http__0, ControlApi__Url, ...).
            builder.UseSetting("services:lb:http:0", fake.BaseUrl);
            builder.UseSetting("services:catalogapi:http:0", fake.BaseUrl);
            builder.UseSetting("LoadGen:Lab:TopologyPollInterval", "00:00:00.200");
            if (control is not null)
            {
                builder.UseSetting("ControlApi:Url", control.BaseUrl);
            }
        });

    [Fact]
    public async Task SwitchingToAnUnknownTopologyIsAProblemDetailsNamingTheKnownOnesAndNothingIsSent()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        await using var service = Service(fake, control);
        using var client = service.CreateClient();

        using var response = await client.PutAsJsonAsync("/api/lab/topology", new { name = "sharded-by-hand" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var message = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("name")[0].GetString();
        Assert.Contains("cluster-near", message);
        Assert.Equal(0, control.Changes);
        Assert.Equal("single", control.Current);
    }

    [Theory]
    [InlineData("/api/lab/cluster/split-brain", "operation")]
    [InlineData("/api/lab/cluster/remove-node", "nodeId")]
    [InlineData("/api/lab/cluster/restart-node?nodeId=not%20an%20id", "nodeId")]
    public async Task ABadClusterOperationIsAProblemDetailsNamingTheFieldAndNothingIsSent(string url, string field)
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        await using var service = Service(fake, control);
        using var client = service.CreateClient();

        using var response = await client.PostAsync(url, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal(0, control.Changes);
    }

    [Fact]
    public async Task WithoutAControlApiActionsAreA503ThatSaysWhatIsMissing()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var service = Service(fake, control: null);
        using var client = service.CreateClient();

        using var response = await client.PutAsJsonAsync("/api/lab/topology", new { name = "cluster" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("ControlApi__Url", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var state = await client.GetFromJsonAsync<JsonElement>("/api/lab/state");
        Assert.Contains("ControlApi__Url", state.GetProperty("controlError").GetString());
        Assert.Equal("unknown", state.GetProperty("topology").GetString());
    }

    [Fact]
    public async Task AnActionWhileAnotherRunsIsA409AndIsNotSent()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        await using var service = Service(fake, control);
        using var client = service.CreateClient();
        using var switched = await client.PutAsJsonAsync("/api/lab/topology", new { name = "cluster" });
        Assert.Equal(HttpStatusCode.OK, switched.StatusCode);

        control.HoldOperations = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var addMaster = client.PostAsync("/api/lab/cluster/add-master", null);
        await LoadRunnerTests.WaitUntilAsync(async () =>
            (await client.GetFromJsonAsync<JsonElement>("/api/lab/state")).GetProperty("running").ValueKind == JsonValueKind.String);
        var changes = control.Changes;

        using var secondOperation = await client.PostAsync("/api/lab/cluster/add-replica", null);
        using var aSwitch = await client.PutAsJsonAsync("/api/lab/topology", new { name = "naive" });

        Assert.Equal(HttpStatusCode.Conflict, secondOperation.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, aSwitch.StatusCode);
        Assert.Contains("add master", (await aSwitch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(changes, control.Changes);
        Assert.Equal("cluster", control.Current);

        control.HoldOperations.SetResult();
        using var added = await addMaster;
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var diagram = await client.GetFromJsonAsync<JsonElement>("/api/lab/diagram");
        var nodes = diagram.GetProperty("cluster").GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(4, nodes.Count(n => n.GetProperty("role").GetString() == "master"));
        Assert.Equal(3, nodes.Count(n => n.GetProperty("role").GetString() == "replica"));
        Assert.All(diagram.GetProperty("replicas").EnumerateArray(), r => Assert.Equal("cache-cluster", r.GetProperty("cache").GetString()));
    }

    [Fact]
    public async Task StaleReadsAppearUnderNaiveAndStopUnderClusterWithAMarkerAtEachSwitchAndARowPerTopology()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        await using var service = Service(fake, control);
        using var client = service.CreateClient();
        await LoadRunnerTests.WaitUntilAsync(async () =>
            (await client.GetFromJsonAsync<JsonElement>("/api/lab/state")).GetProperty("topology").GetString() == "single");

        using var started = await client.PostAsJsonAsync("/api/load/start", new { rate = 300, concurrency = 8, readRatio = 0.8, productCount = 50, warmupSeconds = 0, durationSeconds = 0 });
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        using var naive = await client.PutAsJsonAsync("/api/lab/topology", new { name = "naive" });
        Assert.Equal(HttpStatusCode.OK, naive.StatusCode);
        await LoadRunnerTests.WaitUntilAsync(async () => (await Points(client)).Any(p => p.Topology == "naive" && p.StalePercent > 0));

        using var cluster = await client.PutAsJsonAsync("/api/lab/topology", new { name = "cluster" });
        Assert.Equal(HttpStatusCode.OK, cluster.StatusCode);
        // The stale reads fall back to 0: three seconds in a row under the cluster without one (a read sent before the
        // switch and answered after it may still count in the first second).
        await LoadRunnerTests.WaitUntilAsync(async () =>
            (await Points(client)).Where(p => p.Topology == "cluster" && p.Reads > 0).TakeLast(3).Count(p => p.StalePercent == 0) == 3);
        await client.PostAsync("/api/load/stop", null);

        var timeline = await client.GetFromJsonAsync<JsonElement>("/api/lab/timeline");
        var markers = timeline.GetProperty("markers").EnumerateArray().Select(m => (Label: m.GetProperty("label").GetString(), Outcome: m.GetProperty("outcome").GetString())).ToList();
        Assert.Contains(("→ naive", "done"), markers);
        Assert.Contains(("→ cluster", "done"), markers);
        var table = (await client.GetFromJsonAsync<JsonElement>("/api/lab/table")).EnumerateArray().ToDictionary(r => r.GetProperty("topology").GetString()!);
        Assert.True(table["naive"].GetProperty("staleReads").GetInt64() > 0);
        Assert.True(table["cluster"].GetProperty("reads").GetInt64() > 0);
    }

    [Fact]
    public async Task ARateAboveOneHundredThousandIsRefusedAndNothingStarts()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var service = Service(fake, control: null);
        using var client = service.CreateClient();

        using var tooFast = await client.PostAsJsonAsync("/api/load/start", new { rate = 100_001 });
        using var zero = await client.PostAsJsonAsync("/api/load/start", new { rate = 0 });
        using var ratio = await client.PostAsJsonAsync("/api/load/start", new { readRatio = 1.5 });

        foreach (var response in new[] { tooFast, zero, ratio })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Contains("100,000", (await tooFast.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("rate")[0].GetString());
        Assert.True((await ratio.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("readRatio", out _));
        Assert.False((await client.GetFromJsonAsync<JsonElement>("/api/lab/state")).GetProperty("loadRunning").GetBoolean());
    }

    [Theory]
    [InlineData("evil.example", null, HttpStatusCode.BadRequest)]
    [InlineData("evil.example:80", "http://evil.example", HttpStatusCode.BadRequest)]
    [InlineData("localhost", "http://evil.example", HttpStatusCode.Forbidden)]
    [InlineData("localhost", "http://localhost:1", HttpStatusCode.Forbidden)]
    public async Task AnotherHostOrAForeignPageIsRefusedWithAProblemDetailsAndNothingStartsOrSwitches(string host, string? origin, HttpStatusCode expected)
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        await using var service = Service(fake, control);
        using var client = service.CreateClient();
        HttpRequestMessage Request(HttpMethod method, string url, object? body)
        {
            var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Host = host;
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }
            return request;
        }

        using var start = await client.SendAsync(Request(HttpMethod.Post, "/api/load/start", new { rate = 10 }));
        using var aSwitch = await client.SendAsync(Request(HttpMethod.Put, "/api/lab/topology", new { name = "cluster" }));
        using var killMaster = await client.SendAsync(Request(HttpMethod.Post, "/api/lab/cluster/kill-master", null));

        foreach (var response in new[] { start, aSwitch, killMaster })
        {
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.False((await client.GetFromJsonAsync<JsonElement>("/api/lab/state")).GetProperty("loadRunning").GetBoolean());
        Assert.Equal(0, control.Changes);
        Assert.Equal("single", control.Current);
    }

    [Fact]
    public async Task ThePagesOwnOriginMayAct()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        await using var service = Service(fake, control);
        using var client = service.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/lab/topology") { Content = JsonContent.Create(new { name = "naive" }) };
        request.Headers.Add("Origin", client.BaseAddress!.GetLeftPart(UriPartial.Authority));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("naive", control.Current);
    }

    [Fact]
    public async Task ThePageIsServedWithItsChartLibrary()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var service = Service(fake, control: null);
        using var client = service.CreateClient();

        var page = await client.GetStringAsync("/");
        using var library = await client.GetAsync("/lib/chart.umd.min.js");
        using var annotation = await client.GetAsync("/lib/chartjs-plugin-annotation.min.js");

        Assert.Contains("topology lab", page);
        Assert.Contains("lib/chart.umd.min.js", page);
        Assert.Equal(HttpStatusCode.OK, library.StatusCode);
        Assert.Equal(HttpStatusCode.OK, annotation.StatusCode);
    }

    private static async Task<List<(string Topology, long Reads, double? StalePercent)>> Points(HttpClient client)
    {
        var timeline = await client.GetFromJsonAsync<JsonElement>("/api/lab/timeline?seconds=300");
        return [.. timeline.GetProperty("points").EnumerateArray().Select(p => (
            p.GetProperty("topology").GetString()!,
            p.GetProperty("readsPerSecond").GetInt64(),
            p.GetProperty("stalePercent").ValueKind == JsonValueKind.Number ? p.GetProperty("stalePercent").GetDouble() : (double?)null))];
    }
}
