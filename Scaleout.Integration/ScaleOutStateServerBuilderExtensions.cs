using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scaleout.Integration;

namespace Aspire.Hosting;

/// <summary>Adds an existing ScaleOut StateServer deployment to the app model.</summary>
public static class ScaleOutStateServerBuilderExtensions
{
    /// <summary>The resource type the dashboard shows.</summary>
    public const string ResourceType = "ScaleOutStateServer";

    /// <summary>
    /// Adds an existing ScaleOut StateServer deployment, reached through its Redis-protocol endpoints, as a resource
    /// with a connection string (for <c>WithReference</c>) and a health check. Where it is comes from configuration:
    /// <c>Parameters:{name}-hosts</c> (<c>host1,host2:7210</c>; port 721 by default) with an optional secret
    /// <c>Parameters:{name}-password</c>, or a whole <c>ConnectionStrings:{name}</c>.
    /// </summary>
    /// <remarks>
    /// Call it only when <see cref="ScaleOutStateServerConfiguration.IsConfigured"/> is true: without settings there
    /// is nothing to point at, and the method says so with an exception rather than adding a resource that can never
    /// be healthy.
    /// </remarks>
    /// <exception cref="ScaleOutConfigurationException">The settings are missing or wrong; the message names the
    /// setting and how to fix it.</exception>
    public static IResourceBuilder<ScaleOutStateServerResource> AddScaleOutStateServer(
        this IDistributedApplicationBuilder builder, [ResourceName] string name = ScaleOutStateServerConfiguration.DefaultName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        // Validate first: a wrong host should stop the AppHost with the setting's name, not surface later as a
        // connection error in a web replica.
        var settings = ScaleOutStateServerConfiguration.Read(builder.Configuration, name);

        var resource = new ScaleOutStateServerResource(name, settings, ConnectionStringExpression(builder, name, settings));

        var healthCheckKey = $"{name}_soss_check";
        // One instance for the life of the AppHost, owned (and disposed) by the container: it keeps its connection
        // between checks.
        builder.Services.AddKeyedSingleton(healthCheckKey, (_, _) => new ScaleOutStateServerHealthCheck(settings));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            services => services.GetRequiredKeyedService<ScaleOutStateServerHealthCheck>(healthCheckKey),
            failureStatus: HealthStatus.Unhealthy,
            tags: null));

        var resourceBuilder = builder.AddResource(resource);

        // URL annotations, not snapshot URLs: the orchestrator rebuilds a resource's URLs from its annotations when it
        // initializes it (URLs put only in the initial snapshot disappeared from a started app).
        foreach (var endpoint in settings.Endpoints)
        {
            // A string, not an interpolation: that would pick the ReferenceExpression overload.
            var url = "redis://" + endpoint;
            resourceBuilder.WithUrl(url, $"{endpoint} (Redis protocol)");
        }

        return resourceBuilder
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = ResourceType,
                State = KnownResourceStates.NotStarted,
                Properties =
                [
                    new(CustomResourceKnownProperties.Source, $"external: {string.Join(", ", settings.Endpoints)}"),
                    new("soss.setting", settings.Setting),
                ],
            })
            .WithIconName("Server")
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest()
            .OnInitializeResource(static async (resource, e, cancellationToken) =>
            {
                // Nothing to start: the deployment runs elsewhere. "Running" is what makes Aspire run the health
                // check, whose result tells whether the hosts are really there.
                await e.Eventing.PublishAsync(new BeforeResourceStartedEvent(resource, e.Services), cancellationToken).ConfigureAwait(false);
                await e.Notifications.PublishUpdateAsync(resource, snapshot => snapshot with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                }).ConfigureAwait(false);
                await e.Eventing.PublishAsync(new ConnectionStringAvailableEvent(resource, e.Services), cancellationToken).ConfigureAwait(false);
            });
    }

    private static ReferenceExpression ConnectionStringExpression(
        IDistributedApplicationBuilder builder, string name, ScaleOutStateServerSettings settings)
    {
        if (settings.Setting == ScaleOutStateServerConfiguration.ConnectionStringSetting(name))
        {
            // The whole string may carry a password: it travels as a secret parameter, masked in the dashboard.
            var connectionString = builder.AddParameter($"{name}-connection-string", () => settings.ConnectionString, secret: true);
            return ReferenceExpression.Create($"{connectionString}");
        }

        var hosts = ServerListParser.ToConnectionString(settings.Endpoints);
        if (settings.PasswordSetting is null)
        {
            return ReferenceExpression.Create($"{hosts}");
        }

        // Aspire's convention for a secret: a parameter named {name}-password, read from Parameters:{name}-password.
        var password = builder.AddParameter($"{name}-password", secret: true);
        return ReferenceExpression.Create($"{hosts},password={password}");
    }
}
