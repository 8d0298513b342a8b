using System.Security.Cryptography;
using AppHost.Topologies;
using Dashboard;
using Hosting;

namespace AppHost;

/// <summary>
/// The sample's app model in one place, for the AppHost and for the functional tests: PostgreSQL, CatalogApi, the
/// web replicas behind HAProxy, every cache a topology may use (started when first needed), LoadGen, and the
/// topology controller with its API on the dashboard's host.
/// </summary>
public static class SampleApplication
{
    /// <summary>The resource names.</summary>
    public static SampleNames Names { get; } = new();

    /// <summary>
    /// Adds everything to <paramref name="builder"/> and returns the topology controller, which applies
    /// <paramref name="startTopology"/> once the replicas are up and switches it later.
    /// </summary>
    public static TopologyController Compose(IDistributedApplicationBuilder builder, Topology startTopology, bool withLoadGen = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(startTopology);
        var names = Names;
        builder.AddDashboard();

        var catalogDb = builder.AddPostgres("postgres").AddDatabase("catalogdb");
        var catalogApi = builder.AddProject(names.CatalogApi, "CatalogApi")
            .WithReference(catalogDb).WaitFor(catalogDb)
            .WithHttpHealthCheck("/health");

        // Every cache a topology may need; each starts the first time a topology uses it.
        builder.AddRedis(names.SingleCache).WithExplicitStart();
        for (var i = 0; i < names.WebReplicas; i++)
        {
            builder.AddRedis(names.NaiveCache(i)).WithExplicitStart();
        }
        builder.AddRedisCluster(names.ClusterCache, masters: 3, replicasPerMaster: 1).WithExplicitStart();

        // The replicas start without a cache; the controller points them at the start topology's cache through
        // their admin endpoint, the same path every later switch takes.
        var adminToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var webFrontend = builder.AddProject(names.WebFrontend, "WebFrontend")
            .WithReplicas(names.WebReplicas)
            .WithEnvironment("ADMIN_TOKEN", adminToken)
            .WithReference(catalogApi).WaitFor(catalogApi)
            .WithHttpHealthCheck("/health");

        var lb = builder.AddLoadBalancer(names.LoadBalancer)
            .WithReference(webFrontend).WaitFor(webFrontend)
            .WithSwitchableStickySessions(sticky: false);

        if (withLoadGen)
        {
            builder.AddProject(names.LoadGen, "LoadGen")
                .WithReference(lb).WaitFor(lb)
                .WithReference(catalogApi);
        }

        var controller = new TopologyController(names, adminToken, startTopology);
        builder.Processors.Add(controller);
        builder.MapDashboardEndpoints((endpoints, app) => endpoints.MapTopologyApi(app, controller));
        return controller;
    }

    /// <summary>
    /// Reads <c>--topology &lt;name&gt;</c> (default <c>single</c>); throws <see cref="DistributedApplicationException"/>
    /// naming the topologies when the value is not one.
    /// </summary>
    public static Topology ParseTopology(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Length; i++)
        {
            string? value = null;
            if (args[i] == "--topology")
            {
                value = i + 1 < args.Length ? args[i + 1] : throw new DistributedApplicationException($"The option --topology needs a value: one of {Topology.Names}.");
            }
            else if (args[i].StartsWith("--topology=", StringComparison.Ordinal))
            {
                value = args[i]["--topology=".Length..];
            }
            if (value is not null)
            {
                return Topology.Find(value) ?? throw new DistributedApplicationException($"'{value}' is not a topology: use --topology with one of {Topology.Names}.");
            }
        }
        return Topology.Find("single")!;
    }
}
