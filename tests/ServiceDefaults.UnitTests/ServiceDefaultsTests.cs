using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.UnitTests;

public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task AliveStaysHealthyWhileADependencyCheckMakesHealthUnhealthy()
    {
        await using var app = await StartAsync(builder =>
            builder.Services.AddHealthChecks().AddCheck("cache", () => HealthCheckResult.Unhealthy("down")));
        using var client = app.GetTestClient();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task WithAnOtlpEndpointTheRequestSpansAreExportedThereAndHealthProbesAreNot()
    {
        await using var receiver = await OtlpCounter.StartAsync();
        var app = await StartAsync(builder =>
        {
            builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint;
            builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        });
        await using (app)
        {
            using var client = app.GetTestClient();
            await client.GetAsync("/health");
            await client.GetAsync("/alive");
            Assert.Equal(0, receiver.SpansWithPath("/health") + receiver.SpansWithPath("/alive"));
            await client.GetAsync("/echo/42");
        }

        // Disposing the host flushes the batch.
        Assert.True(receiver.SpansWithPath("/echo/{id}") > 0, "no span of GET /echo/{id} reached the OTLP receiver");
        Assert.Equal(0, receiver.SpansWithPath("/health") + receiver.SpansWithPath("/alive"));
    }

    [Fact]
    public async Task ALogicalHostIsSentToTheEndpointInServicesConfiguration()
    {
        var recorder = new RecordingHandler();
        await using var app = await StartAsync(builder =>
        {
            builder.Configuration["services:catalogapi:http:0"] = "http://127.0.0.1:5123";
            builder.Services.AddHttpClient("catalog").ConfigurePrimaryHttpMessageHandler(() => recorder);
        });
        using var client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        await client.GetAsync("http://catalogapi/api/catalog/items/1?x=2");

        Assert.Equal("http://127.0.0.1:5123/api/catalog/items/1?x=2", Assert.Single(recorder.Requests).ToString());
    }

    [Fact]
    public async Task AGetThatFailsWithAServerErrorIsRetried()
    {
        var recorder = new RecordingHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.InternalServerError);
        using var client = Client(recorder);

        using var response = await client.GetAsync("http://127.0.0.1:1/api/catalog/items/1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, recorder.Requests.Count);
    }

    [Fact]
    public async Task APutIsNeverRetriedBecauseItBumpsTheVersion()
    {
        var recorder = new RecordingHandler(HttpStatusCode.ServiceUnavailable);
        using var client = Client(recorder);

        using var response = await client.PutAsync("http://127.0.0.1:1/api/catalog/items/1", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(recorder.Requests);
    }

    [Fact]
    public async Task AClientErrorIsNotRetried()
    {
        var recorder = new RecordingHandler(HttpStatusCode.NotFound);
        using var client = Client(recorder);

        using var response = await client.GetAsync("http://127.0.0.1:1/api/catalog/items/99");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Single(recorder.Requests);
    }

    [Theory]
    [InlineData("""{"price": 1, "price": 2}""", "price")]
    [InlineData("""{"price": 1, "color": "red"}""", "color")]
    [InlineData("""{"price": "cheap"}""", "price")]
    [InlineData("", "body")]
    public async Task AMalformedJsonBodyIsA400ProblemSayingWhy(string body, string reason)
    {
        await using var app = await StartAsync();
        using var client = app.GetTestClient();

        using var response = await client.PutAsync("/echo/1", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AWellFormedBodyIsBound()
    {
        await using var app = await StartAsync();
        using var client = app.GetTestClient();

        using var response = await client.PutAsJsonAsync("/echo/1", new { price = 2.5m });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2.5m, await response.Content.ReadFromJsonAsync<decimal>());
    }

    private static async Task<WebApplication> StartAsync(Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = "";
        builder.Configuration["OTEL_BSP_SCHEDULE_DELAY"] = "100";
        builder.Logging.ClearProviders();
        // Before AddServiceDefaults, which reads the configuration (the OTLP endpoint) when it is called.
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapDefaultEndpoints();
        app.MapGet("/echo/{id}", (int id) => id);
        app.MapPut("/echo/{id}", (int id, PriceBody body) => body.Price);
        await app.StartAsync();
        return app;
    }

    // The client keeps its handler chain alive; the host is never started, so there is nothing to stop.
    private static HttpClient Client(RecordingHandler recorder)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.Services.AddHttpClient("catalog").ConfigurePrimaryHttpMessageHandler(() => recorder);
        return builder.Build().Services.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
    }

    private sealed record PriceBody(decimal? Price);
}
