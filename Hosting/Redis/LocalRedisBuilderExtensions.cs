using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Adds a local <c>redis-server</c> (Debian package <c>redis-server</c>) to the app model.</summary>
public static class LocalRedisBuilderExtensions
{
    /// <summary>
    /// Adds <c>redis-server</c> as an executable bound to 127.0.0.1 with a generated password (parameter
    /// <c>{name}-password</c>, not persisted), no persistence, and a health check that PINGs with the password.
    /// Reference it with <c>WithReference</c> to give a project <c>ConnectionStrings__{name}</c>.
    /// </summary>
    /// <param name="builder">The app model builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="port">The port; a free one above the ephemeral range when <c>null</c>. Fixed either way, so the
    /// connection string is known before the server starts.</param>
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A TCP port is between 1 and 65535.");
        }

        var password = builder.AddGeneratedPassword(name);
        var folder = LocalFolders.Default(builder, name);
        var server = LocalBinaries.Find("redis-server");
        var resource = new LocalRedisResource(name, server ?? "redis-server", folder, password.Resource, port ?? LocalPorts.Next());
        var configFile = Path.Combine(folder, "redis.conf");

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new RedisPingHealthCheck(resource.Port, resource.PasswordParameter), failureStatus: null, tags: null));

        return builder.AddResource(resource)
            .WithEndpoint(LocalRedisResource.PrimaryEndpointName, e =>
            {
                // Not proxied: clients talk to redis-server itself (a proxy in between would be measured with the cache).
                e.Port = resource.Port;
                e.TargetPort = resource.Port;
                e.IsProxied = false;
                e.TargetHost = "127.0.0.1";
                e.UriScheme = "tcp";
            })
            .WithArgs(configFile, "--port", resource.Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "yes")
            .OnBeforeResourceStarted(async (r, _, ct) =>
            {
                if (server is null)
                {
                    throw new DistributedApplicationException(LocalBinaries.NotInstalled("redis-server", "redis-server"));
                }

                // The password goes in a 0600 file, not on the command line, where ps and the dashboard would show it.
                var secret = await r.PasswordParameter.GetValueAsync(ct).ConfigureAwait(false);
                LocalFolders.WriteSecretFile(configFile, $"""
                    requirepass "{secret}"
                    # A cache: a restart starts empty, as a cache may.
                    save ""
                    appendonly no
                    dir "{folder}"

                    """);
            })
            .WithHealthCheck(healthCheckKey);
    }
}
