using CatalogApi.Infrastructure;
using CatalogApi.Model;
using Microsoft.EntityFrameworkCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>The services of the catalog API.</summary>
internal static class Extensions
{
    /// <summary>The database, its schema and seed, the stats counters and the database health check.</summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("catalogdb");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "No database configured: set the Npgsql connection string in 'ConnectionStrings__catalogdb' " +
                "(e.g. 'Host=127.0.0.1;Port=5432;Database=catalogdb;Username=postgres;Password=...').");
        }

        builder.Services.AddDbContextPool<CatalogContext>(o => o.UseNpgsql(connectionString));
        builder.Services.AddHostedService<CatalogSchema>();
        builder.Services.AddSingleton<CatalogStats>();
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("catalogdb");
    }
}
