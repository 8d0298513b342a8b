using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard;
using Hosting.Testing;

namespace Hosting.FunctionalTests;

public class DashboardApiTests
{
    [Fact]
    public async Task ResourcesApiListsEveryReplicaWithStateHealthPidAndEndpoints()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddDashboard();
        builder.AddRedis("cache");
        builder.AddProject("echo", "tests/TestServices/EchoService").WithReplicas(2).WithHttpHealthCheck("/health");
        await using var app = builder.Build();
        await app.StartAsync();
        await app.WaitForAllHealthyAsync().WaitAsync(TimeSpan.FromSeconds(60));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{app.DashboardPort}") };
        var resources = await http.GetFromJsonAsync<JsonElement[]>("/api/resources");

        Assert.NotNull(resources);
        Assert.Equal(["cache-0", "echo-0", "echo-1"], resources.Select(r => $"{r.GetProperty("name").GetString()}-{r.GetProperty("replica").GetInt32()}"));
        var echo1 = resources[2];
        Assert.Equal("Project", echo1.GetProperty("type").GetString());
        Assert.Equal("Healthy", echo1.GetProperty("state").GetString());
        Assert.Equal("Healthy", echo1.GetProperty("health").GetString());
        Assert.Equal(app.GetProcessId("echo", 1), echo1.GetProperty("pid").GetInt32());
        Assert.Equal(app.GetEndpoint("echo", 1).ToString().TrimEnd('/'), echo1.GetProperty("endpoints")[0].GetString());
        Assert.Equal(0, echo1.GetProperty("restarts").GetInt32());
    }

    [Fact]
    public async Task ProjectsExportTelemetryToTheDashboardWhichAcceptsOtlp()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddDashboard();
        builder.AddProject("echo", "tests/TestServices/EchoService").WithHttpHealthCheck("/health");
        await using var app = builder.Build();
        await app.StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("echo").WaitAsync(TimeSpan.FromSeconds(60));

        using var echo = app.CreateHttpClient("echo");
        var endpoint = await echo.GetStringAsync("/env/OTEL_EXPORTER_OTLP_ENDPOINT");
        Assert.Equal($"http://127.0.0.1:{app.DashboardPort}", endpoint);

        using var dashboard = new HttpClient { BaseAddress = new Uri(endpoint) };
        using var content = new ByteArrayContent([0x0a, 0x00]);
        content.Headers.ContentType = new("application/x-protobuf");
        using var response = await dashboard.PostAsync("/v1/traces", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
