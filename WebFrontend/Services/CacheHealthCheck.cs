using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WebFrontend.Services;

/// <summary>
/// Healthy when the cache answers PING within a second, or when no cache is configured (topology <c>none</c>).
/// Not a liveness check: a replica without its cache still serves, from CatalogApi.
/// </summary>
internal sealed class CacheHealthCheck(CacheConnection cache) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (cache.Configuration is null)
        {
            return HealthCheckResult.Healthy("No cache configured: every read goes to CatalogApi.");
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            var database = await cache.GetDatabaseAsync(timeout.Token);
            if (database is null)
            {
                return HealthCheckResult.Healthy("No cache configured: every read goes to CatalogApi.");
            }
            var roundTrip = await database.PingAsync(timeout.Token).WaitAsync(timeout.Token);
            return HealthCheckResult.Healthy($"PING {roundTrip.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The cache does not answer PING; reads bypass it.", ex);
        }
    }
}
