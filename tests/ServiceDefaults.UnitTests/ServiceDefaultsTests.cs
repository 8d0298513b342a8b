using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace ServiceDefaults.UnitTests;

public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task AliveStaysHealthyWhileADependencyCheckMakesHealthUnhealthy()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults();
        builder.Services.AddHealthChecks().AddCheck("cache", () => HealthCheckResult.Unhealthy("down"));
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        using var client = app.GetTestClient();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public void WithoutAnOtlpEndpointNoTracerProviderIsCreated()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = "";
        builder.AddServiceDefaults();
        using var host = builder.Build();

        Assert.Null(host.Services.GetService<TracerProvider>());
    }

    [Fact]
    public void WithAnOtlpEndpointTracingIsSetUpAndTiedToTheHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318";
        builder.AddServiceDefaults();
        using var host = builder.Build();

        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "TelemetryLifetime");
    }
}
