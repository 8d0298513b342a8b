using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Defaults every service of the sample shares: telemetry, health endpoints, HttpClient defaults, service
/// discovery and ProblemDetails for malformed requests. Shaped like Aspire's ServiceDefaults project, built on
/// the OpenTelemetry SDK alone because OpenTelemetry.Extensions.Hosting is not available here.
/// </summary>
public static class Extensions
{
    /// <summary>The health check tag that <c>/alive</c> filters on: the process answers, whatever its dependencies say.</summary>
    public const string LiveTag = "live";

    /// <summary>The request body limit unless <c>Kestrel:Limits:MaxRequestBodySize</c> says otherwise: 64 KB.</summary>
    public const long DefaultMaxRequestBodySize = 64 * 1024;

    /// <summary>Adds telemetry, default health checks, HttpClient defaults and ProblemDetails.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Minimal APIs answer a non-JSON body with a bare 415; say what to send instead.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType)
            {
                context.ProblemDetails.Detail ??= "The request body must be JSON: send 'Content-Type: application/json'.";
            }
        });
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Malformed bodies (unknown fields, wrong content type, empty) become exceptions that the handler above
        // turns into ProblemDetails naming the reason, instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o =>
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow);

        // The bodies of this sample are a few hundred bytes: refuse large ones (413) before they are buffered.
        var maxBody = builder.Configuration.GetValue<long?>("Kestrel:Limits:MaxRequestBodySize") ?? DefaultMaxRequestBodySize;
        builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = maxBody);

        builder.Services.AddTransient<ServiceDiscoveryHandler>();
        builder.Services.AddTransient<ResilienceHandler>();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // The resilience handler is outermost so a retry resolves the address again.
            http.AddHttpMessageHandler<ResilienceHandler>();
            http.AddHttpMessageHandler<ServiceDiscoveryHandler>();
            // Per attempt timeouts live in ResilienceHandler; this is the ceiling for the whole call with retries.
            http.ConfigureHttpClient(c => c.Timeout = TimeSpan.FromSeconds(30));
        });

        return builder;
    }

    /// <summary>
    /// Traces, metrics and logs over OTLP (http/protobuf) when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; nothing
    /// is collected otherwise, so a service run by hand pays no telemetry cost.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return builder;
        }

        var settings = new TelemetrySettings(
            new Uri(endpoint.TrimEnd('/') + "/", UriKind.Absolute),
            builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : builder.Environment.ApplicationName,
            builder.Configuration["APP_INSTANCE"],
            builder.Configuration.GetValue("OTEL_BSP_SCHEDULE_DELAY", 1000),
            builder.Configuration.GetValue("OTEL_METRIC_EXPORT_INTERVAL", 5000));

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.SetResourceBuilder(settings.CreateResource());
            logging.AddOtlpExporter(o => settings.Configure(o, "v1/logs"));
        });

        var appSource = builder.Environment.ApplicationName;
        builder.Services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(settings.CreateResource())
            // ASP.NET Core (8+) and HttpClient (9+) emit Activities from these sources without instrumentation packages.
            .AddSource("Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "RedisClient", appSource)
            .AddOtlpExporter(o => settings.Configure(o, "v1/traces"))
            .Build());
        builder.Services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(settings.CreateResource())
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "Npgsql", "RedisClient", appSource)
            .AddOtlpExporter((o, reader) =>
            {
                settings.Configure(o, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = settings.MetricIntervalMilliseconds;
            })
            .Build());
        // Resolving the providers at start creates them (so they listen from the first request) and hands their
        // disposal, which flushes what is buffered, to the container when the host stops.
        builder.Services.AddHostedService<TelemetryLifetime>();
        return builder;
    }

    /// <summary>A liveness check that always passes: <c>/alive</c> says the process answers.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>Maps <c>/health</c> (every check must pass) and <c>/alive</c> (checks tagged <see cref="LiveTag"/>).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(TraceRequestAsync);
        app.MapHealthChecks("/health");
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        return app;
    }

    // ASP.NET Core starts the request Activity without the OpenTelemetry instrumentation package: give it the
    // route as its name and the HTTP tags the dashboard shows, and keep health probes out of the traces.
    private static async Task TraceRequestAsync(HttpContext context, RequestDelegate next)
    {
        var activity = Activity.Current is { Source.Name: "Microsoft.AspNetCore" } current ? current : null;
        if (activity is not null
            && (context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive")))
        {
            // The orchestrator and the load balancer probe every few seconds: unrecording the probe also
            // unsamples the database and cache calls its checks make, so they do not drown the requests.
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            activity.IsAllDataRequested = false;
            activity = null;
        }
        if (activity is { IsAllDataRequested: true })
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            activity.DisplayName = route is null ? context.Request.Method : $"{context.Request.Method} {route}";
            activity.SetTag("http.request.method", context.Request.Method);
            activity.SetTag("url.path", context.Request.Path.Value);
            if (route is not null)
            {
                activity.SetTag("http.route", route);
            }
        }
        await next(context).ConfigureAwait(false);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.response.status_code", context.Response.StatusCode);
            if (context.Response.StatusCode >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    private sealed record TelemetrySettings(Uri Endpoint, string ServiceName, string? Instance, int BatchDelayMilliseconds, int MetricIntervalMilliseconds)
    {
        public ResourceBuilder CreateResource()
        {
            // CreateDefault also reads OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME from the environment.
            var resource = ResourceBuilder.CreateDefault().AddService(ServiceName, serviceInstanceId: Instance);
            return resource;
        }

        public void Configure(OtlpExporterOptions options, string signalPath)
        {
            // Set in code, the endpoint is used as is: the signal path must be appended here.
            options.Endpoint = new Uri(Endpoint, signalPath);
            options.Protocol = OtlpExportProtocol.HttpProtobuf;
            options.BatchExportProcessorOptions.ScheduledDelayMilliseconds = BatchDelayMilliseconds;
        }
    }
}
