using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RedisClient;

/// <summary>Registers <see cref="RedisHealthCheck"/> with ASP.NET Core health checks.</summary>
public static class RedisHealthCheckBuilderExtensions
{
    /// <summary>
    /// Adds a PING health check using the <see cref="ConnectionMultiplexer"/> registered in the services (or the one
    /// <paramref name="multiplexer"/> returns).
    /// </summary>
    public static IHealthChecksBuilder AddRedisClient(this IHealthChecksBuilder builder, string name = "redis",
        Func<IServiceProvider, ConnectionMultiplexer>? multiplexer = null, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new RedisHealthCheck(multiplexer?.Invoke(services) ?? services.GetRequiredService<ConnectionMultiplexer>()),
            failureStatus,
            tags));
    }
}
