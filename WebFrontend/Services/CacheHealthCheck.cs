using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WebFrontend.Services;

/// <summary>
/// Healthy when the cache in use answers PING within a second, or when none is in use (a replica starts with none,
/// and topology <c>none</c> uses none). Not a liveness check: a replica without its cache still serves, from
/// CatalogApi. Replaces Aspire's Redis health check, which would check every configured cache (started or not)
/// and, against a cluster, runs <c>CLUSTER INFO</c>.
/// </summary>
internal sealed class CacheHealthCheck(CacheConnection cache) : IHealthCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var lease = cache.Acquire();
        if (lease.Target is not { } target)
        {
            return HealthCheckResult.Healthy("No cache in use: every read goes to CatalogApi.");
        }
        try
        {
            var roundTrip = await target.Database.PingAsync().WaitAsync(s_timeout, cancellationToken);
            target.Succeeded();
            if (target.Fence.Reason is { } reason)
            {
                // Degraded, not Unhealthy: the replica serves (from CatalogApi) and the load balancer keeps routing to it.
                return HealthCheckResult.Degraded($"'{target.Name}' is fenced ({reason}): reads go to CatalogApi until the lost invalidations are replayed.");
            }
            return HealthCheckResult.Healthy($"'{target.Name}' answered PING in {roundTrip.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            target.Failed(ex);
            var error = CacheUnavailableException.Create(target.Name, target.Configuration, ex, target.AuthenticationFailure);
            return HealthCheckResult.Unhealthy(error.Message + " Reads bypass the cache meanwhile.", ex);
        }
    }
}
