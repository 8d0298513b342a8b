using AppHost.ControlApi;
using AppHost.Topologies;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost;

/// <summary>The few builder steps Program.cs would otherwise repeat, named after what they do.</summary>
public static class AppHostModel
{
    /// <summary>The generated token the replicas' and the load balancer's admin endpoints accept.</summary>
    public const string AdminTokenParameter = "admin-token";

    /// <summary>
    /// The AppHost's options as a service, the dashboard's address from <c>--dashboard-port</c>, and the generated
    /// admin token (secret, never persisted).
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddSampleOptions(this IDistributedApplicationBuilder builder, AppHostOptions options)
    {
        builder.Services.AddSingleton(options);
        builder.Configuration["ASPNETCORE_URLS"] = $"http://127.0.0.1:{options.DashboardPort}";

        return builder.AddParameter(AdminTokenParameter, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: false);
    }

    /// <summary>
    /// One HTTP endpoint bound to 127.0.0.1, without DCP's proxy (one hop less, and a restarted replica keeps its
    /// port); <paramref name="port"/> fixes the port (the load balancer's), otherwise Aspire picks a free one.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithLoopbackHttpEndpoint(this IResourceBuilder<ProjectResource> project, int? port = null)
        => project.WithHttpEndpoint(port: port, isProxied: false).WithEndpoint("http", e => e.TargetHost = "127.0.0.1").WithBuiltAssembly();

    /// <summary>
    /// Starts the project's built assembly (<c>dotnet exec bin/&lt;configuration&gt;/net10.0/X.dll</c>, the AppHost's own
    /// configuration) instead of <c>dotnet run --no-build</c>: no MSBuild evaluation per start (seconds of CPU per
    /// project on two cores), one process instead of two, and a stop signal that reaches the service itself.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithBuiltAssembly(this IResourceBuilder<ProjectResource> project)
    {
        var metadata = project.Resource.GetProjectMetadata();
        var directory = Path.GetDirectoryName(metadata.ProjectPath)!;
        var name = Path.GetFileNameWithoutExtension(metadata.ProjectPath);
        var dll = Path.Combine(directory, "bin", s_configuration, "net10.0", $"{name}.dll");
#pragma warning disable ASPIREEXTENSION001 // Evaluation API; the documented way to replace a project's launch command.
        return project.WithLaunchToolArgs(context =>
        {
            context.Args.Add("exec");
            context.Args.Add(dll);
        }, showInCommandLine: true);
#pragma warning restore ASPIREEXTENSION001
    }

    private static readonly string s_configuration =
        typeof(AppHostModel).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "Release";

    /// <summary>Gives the project every cache's connection string (<c>ConnectionStrings__{name}</c>); none is waited for.</summary>
    public static IResourceBuilder<ProjectResource> WithCaches(this IResourceBuilder<ProjectResource> project, IEnumerable<IResourceBuilder<IResourceWithConnectionString>> caches)
    {
        foreach (var cache in caches)
        {
            project.WithReference(cache);
        }
        return project;
    }

    /// <summary>
    /// Puts the load balancer in front of <paramref name="replicas"/>: each is referenced (service discovery finds
    /// <c>http://webfrontend-i</c>), named in <c>LoadBalancer__Replicas__i</c>, and waited for.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> lb, IReadOnlyList<IResourceBuilder<ProjectResource>> replicas)
    {
        for (var i = 0; i < replicas.Count; i++)
        {
            lb.WithReference(replicas[i]).WaitFor(replicas[i]).WithEnvironment($"LoadBalancer__Replicas__{i}", replicas[i].Resource.Name);
        }
        return lb;
    }

    /// <summary>
    /// The topology controller (applies <c>--topology</c> once the replicas are healthy), one dashboard command per
    /// topology on the load balancer, and the control API on 127.0.0.1:<c>--control-port</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTopologies(this IResourceBuilder<ProjectResource> lb)
    {
        var services = lb.ApplicationBuilder.Services;
        services.AddSingleton<TopologyController>();
        services.AddSingleton<ControlApiHost>();
        // Started before DCP creates the resources (Aspire's host finishes starting only once every resource has
        // started), so the control API answers, and shows the states, while the resources come up.
        lb.ApplicationBuilder.Eventing.Subscribe<BeforeStartEvent>(async (e, ct) =>
        {
            await e.Services.GetRequiredService<ControlApiHost>().StartAsync(ct).ConfigureAwait(false);
            await e.Services.GetRequiredService<TopologyController>().StartAsync(ct).ConfigureAwait(false);
        });
        // Stopped with the host (hosted services stop in reverse order, these first).
        services.AddHostedService(s => s.GetRequiredService<TopologyController>());
        services.AddHostedService(s => s.GetRequiredService<ControlApiHost>());
        return lb.WithTopologyCommands();
    }

    /// <summary>
    /// A web replica that dies comes back by itself (<c>WithAutoRestart</c>): drained in the load balancer as soon as
    /// its exit is seen, started again, given the current topology's cache, enabled.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSelfHealingReplica(this IResourceBuilder<ProjectResource> replica)
        => replica.WithAutoRestart(new AutoRestartAnnotation
        {
            OnExited = c => c.Services.GetRequiredService<TopologyController>().ReplicaExitedAsync(c.Resource.Name, c.CancellationToken),
            OnRestarted = c => c.Services.GetRequiredService<TopologyController>().ReplicaRestartedAsync(c.Resource.Name, c.CancellationToken),
        });

    /// <summary>The load balancer comes back by itself (<c>WithAutoRestart</c>), with the current topology's affinity.</summary>
    public static IResourceBuilder<ProjectResource> WithSelfHealingLoadBalancer(this IResourceBuilder<ProjectResource> lb)
        => lb.WithAutoRestart(new AutoRestartAnnotation
        {
            OnRestarted = c => c.Services.GetRequiredService<TopologyController>().LoadBalancerRestartedAsync(c.CancellationToken),
        });
}
