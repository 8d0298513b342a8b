using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace WebFrontend.FunctionalTests;

/// <summary>One WebFrontend replica in process, pointed at the test CatalogApi and at <paramref name="cache"/> (none when null).</summary>
public sealed class WebFrontendFactory(Uri catalogApi, string? cache, string instance, string? otlpEndpoint = null) : WebApplicationFactory<Program>
{
    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("services:catalogapi:http:0", catalogApi.ToString().TrimEnd('/'));
        builder.UseSetting("ConnectionStrings:cache", cache ?? "");
        builder.UseSetting("APP_INSTANCE", instance);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        if (otlpEndpoint is not null)
        {
            builder.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint);
            builder.UseSetting("OTEL_SERVICE_NAME", "webfrontend");
            builder.UseSetting("OTEL_BSP_SCHEDULE_DELAY", "200");
        }
    }
}
