using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Healthy when the cluster was created and a node says <c>cluster_state:ok</c> with all 16384 slots served.</summary>
internal sealed class RedisClusterHealthCheck(RedisClusterOperations operations, string clusterName) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problem = await operations.CheckHealthAsync(clusterName, cancellationToken).ConfigureAwait(false);
        return problem is null ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(problem);
    }
}
