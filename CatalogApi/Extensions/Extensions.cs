using CatalogApi.Infrastructure;
using CatalogApi.Model;

namespace Microsoft.Extensions.Hosting;

/// <summary>The services of the catalog API.</summary>
internal static class Extensions
{
    /// <summary>
    /// The database (with its health check, telemetry and circuit breaker), its schema and seed, the stats counters,
    /// and the 503 answer when the database is unavailable.
    /// </summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Aspire's client integration: the pooled context on ConnectionStrings:catalogdb (a missing one is an
        // error naming it), the health check, Npgsql's traces and metrics. Not its retries: every operation runs
        // through the circuit breaker instead (CircuitBreakingExecutionStrategy says why), with a short connect
        // timeout unless the connection string sets one.
        builder.AddNpgsqlDbContext<CatalogContext>("catalogdb",
            settings =>
            {
                settings.DisableRetry = true;
                settings.ConnectionString = DatabaseCircuitBreaker.WithConnectTimeout(settings.ConnectionString);
            },
            DatabaseCircuitBreaker.ConfigureDbContext);
        builder.AddDatabaseCircuitBreaker();
        builder.Services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        builder.Services.AddHostedService<CatalogSchema>();
        builder.Services.AddSingleton<CatalogStats>();
    }
}
