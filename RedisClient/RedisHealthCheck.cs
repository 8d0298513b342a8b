using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RedisClient;

/// <summary>An ASP.NET Core health check that PINGs Redis through the shared multiplexer.</summary>
public sealed class RedisHealthCheck(ConnectionMultiplexer multiplexer) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var roundTrip = await multiplexer.GetDatabase().PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"PING answered in {roundTrip.TotalMilliseconds:0.###} ms.");
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or RedisServerException or OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"PING failed: {e.Message}", e);
        }
    }
}
