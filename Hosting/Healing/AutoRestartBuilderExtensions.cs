using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

/// <summary>Self-healing for resources whose process may die: <c>WithAutoRestart()</c>.</summary>
public static class AutoRestartBuilderExtensions
{
    /// <summary>
    /// Starts the resource again when its process dies without anyone asking (killed, crashed), through Aspire's
    /// start command: after 0.5 s, doubling per restart, at most <see cref="AutoRestartAnnotation.MaxRestarts"/> within
    /// <see cref="AutoRestartAnnotation.Window"/> (then the log says it gives up). A requested stop (dashboard, stop
    /// command, the AppHost's shutdown) is left alone. Every step goes to the resource's console log.
    /// </summary>
    /// <param name="builder">The resource.</param>
    /// <param name="options">Limits and hooks; the defaults when <c>null</c>.</param>
    public static IResourceBuilder<T> WithAutoRestart<T>(this IResourceBuilder<T> builder, AutoRestartAnnotation? options = null)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        options ??= new AutoRestartAnnotation();
        if (options.MaxRestarts < 1 || options.Window <= TimeSpan.Zero || options.FirstDelay < TimeSpan.Zero || options.MaxDelay < options.FirstDelay
            || options.HealthyTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("AutoRestart needs MaxRestarts ≥ 1, a positive Window and HealthyTimeout, and 0 ≤ FirstDelay ≤ MaxDelay.", nameof(options));
        }

        var services = builder.ApplicationBuilder.Services;
        services.TryAddSingleton<AutoRestartService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AutoRestartService>(s => s.GetRequiredService<AutoRestartService>()));

        // Aspire adds the start/stop/restart commands while DCP prepares the resources, after the model is built:
        // the first start of the resource is the first moment they can be wrapped.
        builder.ApplicationBuilder.Eventing.Subscribe<BeforeResourceStartedEvent>(builder.Resource, (e, _) =>
        {
            e.Services.GetRequiredService<AutoRestartService>().WrapLifecycleCommands(e.Resource, options);
            return Task.CompletedTask;
        });
        return builder.WithAnnotation(options, ResourceAnnotationMutationBehavior.Replace);
    }
}
