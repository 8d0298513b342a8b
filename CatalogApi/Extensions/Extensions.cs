using CatalogApi.Infrastructure;
using CatalogApi.Model;

namespace Microsoft.Extensions.Hosting;

/// <summary>The services of the catalog API.</summary>
internal static class Extensions
{
    /// <summary>The database (with its health check and telemetry), its schema and seed, and the stats counters.</summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Aspire's client integration: the pooled context on ConnectionStrings:catalogdb (a missing one is an
        // error naming it), retries of transient failures, the health check, Npgsql's traces and metrics.
        builder.AddNpgsqlDbContext<CatalogContext>("catalogdb");
        builder.Services.AddHostedService<CatalogSchema>();
        builder.Services.AddSingleton<CatalogStats>();
    }
}
