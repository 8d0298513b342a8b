using WebFrontend.Services;

namespace Microsoft.Extensions.Hosting;

/// <summary>The services and middleware of the storefront.</summary>
internal static class Extensions
{
    /// <summary>The catalog client, the caches, cache-aside reads, the cache health check and Razor Pages.</summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorPages();
        builder.Services.AddSingleton(new ReplicaIdentity(
            builder.Configuration["REPLICA_NAME"] is { Length: > 0 } name ? name : $"webfrontend-{Environment.ProcessId}"));
        builder.Services.Configure<CacheOptions>(builder.Configuration.GetSection("Cache"));
        builder.Services.AddSingleton(TimeProvider.System);

        // "catalogapi" is resolved from services__catalogapi__http__0 by service discovery (ServiceDefaults); its
        // resilience is its own (CatalogResilience says why).
        builder.Services.AddHttpClient<CatalogClient>(c => c.BaseAddress = new("http://catalogapi")).AddCatalogApiResilience();

        RedisCaches.AddRedisCaches(builder);
        builder.Services.AddSingleton<CacheFenceServices>();
        builder.Services.AddSingleton<CacheConnection>();
        builder.Services.AddHostedService<CacheStartup>();
        builder.Services.AddSingleton<ProductService>();
        builder.Services.AddHealthChecks().AddCheck<CacheHealthCheck>("cache");
        builder.Services.AddExceptionHandler<CatalogUnavailableExceptionHandler>();
    }

    /// <summary>
    /// Every response says which replica served it (<c>X-Served-By</c>, from <c>REPLICA_NAME</c>) and where the
    /// data came from (<c>X-Cache</c>; <c>bypass</c> unless an endpoint says otherwise).
    /// </summary>
    public static IApplicationBuilder UseReplicaHeaders(this WebApplication app)
    {
        var instance = app.Services.GetRequiredService<ReplicaIdentity>().Instance;
        return app.Use((context, next) =>
        {
            // Set when the response starts, so that they survive the exception handler clearing the response.
            context.Response.OnStarting(static state =>
            {
                var (headers, instance) = ((IHeaderDictionary, string))state;
                headers["X-Served-By"] = instance;
                if (!headers.ContainsKey("X-Cache"))
                {
                    headers["X-Cache"] = "bypass";
                }
                return Task.CompletedTask;
            }, (context.Response.Headers, instance));
            return next(context);
        });
    }
}
