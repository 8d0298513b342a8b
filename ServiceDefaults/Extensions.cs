using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Defaults every service of the sample shares, in the shape of Aspire's ServiceDefaults template: OpenTelemetry
/// (exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), service discovery, the standard resilience
/// handler on every HttpClient, <c>/health</c> and <c>/alive</c>. Beyond the template: ProblemDetails for
/// malformed request bodies, and a small request body limit.
/// </summary>
public static class Extensions
{
    /// <summary>The health check tag that <c>/alive</c> filters on: the process answers, whatever its dependencies say.</summary>
    public const string LiveTag = "live";

    /// <summary>The request body limit unless <c>Kestrel:Limits:MaxRequestBodySize</c> says otherwise: 64 KB.</summary>
    public const long DefaultMaxRequestBodySize = 64 * 1024;

    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";

    /// <summary>Adds telemetry, default health checks, service discovery, resilience and ProblemDetails.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Registered for every client at once, this is one pipeline, so one circuit breaker, for all the clients
            // of the process: a client that needs its own breaker or timeouts replaces it (WebFrontend's
            // CatalogResilience, for CatalogApi).
            http.AddStandardResilienceHandler(options =>
            {
                // A PUT here bumps the row version: sending it twice is not harmless, so only safe methods retry.
                options.Retry.DisableForUnsafeHttpMethods();
                // The template's 2 s back-off would hold a page for 14 s when CatalogApi is down; a replica
                // answering 503 quickly is worth more to the load balancer than a late success.
                options.Retry.MaxRetryAttempts = 2;
                options.Retry.Delay = TimeSpan.FromMilliseconds(100);
            });
            http.AddServiceDiscovery();
        });

        builder.AddProblemDetailsForBadRequests();
        return builder;
    }

    /// <summary>
    /// Logs, metrics and traces through OpenTelemetry: ASP.NET Core, HttpClient, the runtime, Npgsql and the
    /// application's own source (its name is the application name); exported over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (protocol from <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry();
        // The web replicas are three resources of one service: REPLICA_NAME names each one in the dashboard, as
        // X-Served-By does in responses (later resource attributes win over OTEL_RESOURCE_ATTRIBUTES').
        if (builder.Configuration["REPLICA_NAME"] is { Length: > 0 } replica)
        {
            telemetry.ConfigureResource(resource => resource.AddAttributes([new("service.instance.id", replica)]));
        }

        telemetry
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(builder.Environment.ApplicationName))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                // The orchestrator and the load balancer probe every few seconds: a filtered request is not
                // recorded, and neither are the database and cache calls its checks make.
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                    && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation()
                .AddNpgsql());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
        return builder;
    }

    /// <summary>A liveness check that always passes: <c>/alive</c> says the process answers.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check must pass) and <c>/alive</c> (checks tagged <see cref="LiveTag"/>). Unlike
    /// the template, in every environment: the load balancer and the AppHost wait on them; they say nothing secret.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        return app;
    }

    // Every malformed body (unknown or duplicate field, wrong type, wrong content type, empty, too large) is a
    // ProblemDetails that names the reason, instead of the framework's empty 400.
    private static void AddProblemDetailsForBadRequests(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Minimal APIs answer a non-JSON body with a bare 415; say what to send instead.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType)
            {
                context.ProblemDetails.Detail ??= "The request body must be JSON: send 'Content-Type: application/json'.";
            }
        });
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
            // {"price":1,"price":2} would otherwise be read as 2: two values for one field is a malformed body.
            o.SerializerOptions.AllowDuplicateProperties = false;
        });

        // The bodies of this sample are a few hundred bytes: refuse large ones (413) before they are buffered.
        var maxBody = builder.Configuration.GetValue<long?>("Kestrel:Limits:MaxRequestBodySize") ?? DefaultMaxRequestBodySize;
        builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = maxBody);
    }
}
