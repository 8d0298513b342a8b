using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LoadGen.FunctionalTests;

/// <summary>The LoadGen service's control API, hosted in-process, sending its traffic to a real local server.</summary>
public class LoadApiTests
{
    private static WebApplicationFactory<Program> Service(FakeStorefront fake, params (string Key, string Value)[] settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            // What the AppHost passes as environment variables (services__lb__http__0, ...).
            builder.UseSetting("services:lb:http:0", fake.BaseUrl);
            builder.UseSetting("services:catalogapi:http:0", fake.BaseUrl);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        });

    [Fact]
    public async Task AnInvalidWorkloadIsAProblemDetailsNamingEachWrongField()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var service = Service(fake);
        using var client = service.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/load/start", new { readRatio = 3, concurrency = 0 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("readRatio", out _));
        Assert.True(errors.TryGetProperty("concurrency", out _));
        Assert.Equal("idle", (await Stats(client)).GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("""{"rat": 5}""", "rat")]
    [InlineData("""{"rate": "fast"}""", "rate")]
    [InlineData("""{"mode": "sideways"}""", "mode")]
    [InlineData("""[1, 2]""", "body")]
    public async Task AnUnknownFieldOrAWrongTypeIsAProblemDetailsNamingIt(string body, string field)
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var service = Service(fake);
        using var client = service.CreateClient();

        using var response = await client.PostAsync("/api/load/start", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
    }

    [Fact]
    public async Task ALoadCanBeStartedWatchedReplacedAndStopped()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var service = Service(fake);
        using var client = service.CreateClient();

        using var started = await client.PostAsJsonAsync("/api/load/start", new { rate = 200, concurrency = 4, warmupSeconds = 0, productCount = 100 });
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        using var again = await client.PostAsJsonAsync("/api/load/start", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        await LoadRunnerTests.WaitUntilAsync(async () => (await Stats(client)).GetProperty("lastSeconds").GetArrayLength() >= 1);
        var live = await Stats(client);
        Assert.Equal("running", live.GetProperty("state").GetString());
        Assert.Equal(fake.BaseUrl, live.GetProperty("workload").GetProperty("baseUrl").GetString());
        Assert.True(live.GetProperty("run").GetProperty("reads").GetInt64() > 0);

        using var replaced = await client.PutAsJsonAsync("/api/load/workload", new { rate = 100, readRatio = 1 });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var after = await Stats(client);
        Assert.Equal(100, after.GetProperty("workload").GetProperty("rate").GetDouble());
        // Fields the body leaves out keep the defaults, not the previous run's values.
        Assert.Equal(32, after.GetProperty("workload").GetProperty("concurrency").GetInt32());

        using var stopped = await client.PostAsync("/api/load/stop", null);
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        var summary = await stopped.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, summary.GetProperty("errors").GetInt64());
        Assert.Equal(0, summary.GetProperty("staleReads").GetInt64());
        Assert.Equal("stopped", (await Stats(client)).GetProperty("state").GetString());
        using var stoppedAgain = await client.PostAsync("/api/load/stop", null);
        Assert.Equal(HttpStatusCode.Conflict, stoppedAgain.StatusCode);
    }

    [Fact]
    public async Task WithAutoStartTheConfiguredWorkloadRunsWithoutBeingAsked()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var service = Service(fake, ("LoadGen:AutoStart", "true"), ("LoadGen:Workload:Rate", "50"), ("LoadGen:Workload:WarmupSeconds", "0"));
        using var client = service.CreateClient();

        await LoadRunnerTests.WaitUntilAsync(async () => (await Stats(client)).GetProperty("state").GetString() == "running");

        var live = await Stats(client);
        Assert.Equal(50, live.GetProperty("workload").GetProperty("rate").GetDouble());
        Assert.Equal(0, live.GetProperty("workload").GetProperty("durationSeconds").GetDouble());
    }

    [Fact]
    public async Task AStartWithoutABodyRunsTheConfiguredDefaultsAgainstTheLoadBalancer()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var service = Service(fake, ("LoadGen:Workload:Rate", "50"));
        using var client = service.CreateClient();

        using var started = await client.PostAsync("/api/load/start", null);

        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var workload = (await Stats(client)).GetProperty("workload");
        Assert.Equal(fake.BaseUrl, workload.GetProperty("baseUrl").GetString());
        Assert.Equal(fake.BaseUrl, workload.GetProperty("catalogUrl").GetString());
        Assert.Equal(50, workload.GetProperty("rate").GetDouble());
        using var stopped = await client.PostAsync("/api/load/stop", null);
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
    }

    [Fact]
    public async Task WithoutALoadBalancerConfiguredAStartMustNameTheBaseUrl()
    {
        await using var service = new WebApplicationFactory<Program>();
        using var client = service.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/load/start", new { rate = 10 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("baseUrl", out _), errors.ToString());
    }

    [Fact]
    public async Task TheStatsWindowIsValidated()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var service = Service(fake);
        using var client = service.CreateClient();

        using var response = await client.GetAsync("/api/load/stats?seconds=-1");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static async Task<JsonElement> Stats(HttpClient client) =>
        await client.GetFromJsonAsync<JsonElement>("/api/load/stats");
}
