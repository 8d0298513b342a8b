using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace WebFrontend.FunctionalTests;

/// <summary>
/// One WebFrontend replica in process, configured as the AppHost configures one: the CatalogApi endpoint, every
/// cache's connection string (<c>ConnectionStrings:{name}</c>), <c>REPLICA_NAME</c> and <c>ADMIN_TOKEN</c>; it
/// starts using <paramref name="use"/> (<c>Cache:Name</c>; none when null) behind <paramref name="nearCache"/>.
/// </summary>
public sealed class WebFrontendFactory(
    Uri catalogApi,
    IReadOnlyDictionary<string, string> caches,
    string? use,
    string instance,
    string? otlpEndpoint = null,
    string? nearCache = null) : WebApplicationFactory<Program>
{
    /// <summary>The admin token this replica expects.</summary>
    public const string AdminToken = "test-admin-token";

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("services:catalogapi:http:0", catalogApi.ToString().TrimEnd('/'));
        foreach (var (name, connectionString) in caches)
        {
            builder.UseSetting($"ConnectionStrings:{name}", connectionString);
        }
        builder.UseSetting("Cache:Name", use ?? "");
        builder.UseSetting("Cache:NearCache", nearCache ?? "none");
        builder.UseSetting("REPLICA_NAME", instance);
        builder.UseSetting("ADMIN_TOKEN", AdminToken);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint ?? "");
        if (otlpEndpoint is not null)
        {
            builder.UseSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            builder.UseSetting("OTEL_SERVICE_NAME", "webfrontend");
            builder.UseSetting("OTEL_BSP_SCHEDULE_DELAY", "200");
        }
        // TestServer has no remote address; the admin API answers only loopback callers, as the AppHost is.
        builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, LoopbackCaller>());
    }

    private sealed class LoopbackCaller : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress ??= IPAddress.Loopback;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
