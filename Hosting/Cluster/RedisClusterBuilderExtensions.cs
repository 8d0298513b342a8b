using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Adds a self-managing Redis Cluster of local <c>redis-server</c> nodes to the app model.</summary>
public static class RedisClusterBuilderExtensions
{
    /// <summary>
    /// Adds a Redis Cluster: a parent resource <paramref name="name"/> and its nodes <c>{name}-0..N</c>
    /// (<paramref name="masters"/> × (1 + <paramref name="replicasPerMaster"/>) initial nodes, then
    /// <paramref name="spareNodes"/> spares for "add master/replica"). Starting the cluster (at app start, or with
    /// its Start command when marked <c>WithExplicitStart()</c>) starts the initial nodes and creates the cluster;
    /// it is healthy when every node says <c>cluster_state:ok</c> with all 16384 slots covered. The operations
    /// (<see cref="RedisClusterOperations"/>) are dashboard commands on it and can be mapped over HTTP with
    /// <c>MapRedisClusterApi</c>. Reference it with <c>WithReference</c> for <c>ConnectionStrings__{name}</c>.
    /// </summary>
    public static IResourceBuilder<RedisClusterResource> AddRedisCluster(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, int masters = 3, int replicasPerMaster = 1, int spareNodes = 2)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (masters < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(masters), masters, "A Redis Cluster needs at least 3 masters.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(replicasPerMaster);
        ArgumentOutOfRangeException.ThrowIfNegative(spareNodes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(masters * (1 + replicasPerMaster) + spareNodes, 32, nameof(spareNodes));

        var password = builder.AddGeneratedPassword(name);
        var cluster = new RedisClusterResource(name, password.Resource, masters, replicasPerMaster, LocalFolders.Default(builder, name));
        var server = LocalBinaries.Find("redis-server");
        var clusterBuilder = builder.AddResource(cluster)
            .WithAnnotation(new HealedByIntegrationAnnotation("RedisCluster"))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "RedisCluster",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            });

        for (var i = 0; i < cluster.InitialNodeCount + spareNodes; i++)
        {
            AddNode(builder, cluster, i, server);
        }

        builder.Services.TryAddSingleton<RedisClusterOperations>();
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, sp => new RedisClusterHealthCheck(sp.GetRequiredService<RedisClusterOperations>(), name), failureStatus: null, tags: null));

        // The operations follow the nodes' states from the start, and a cluster not marked WithExplicitStart is
        // created once DCP has created the resources (its nodes exist, not started).
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            e.Services.GetRequiredService<RedisClusterOperations>().Attach();
            return Task.CompletedTask;
        });
        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((e, ct) =>
        {
            if (!cluster.HasAnnotationOfType<ExplicitStartupAnnotation>())
            {
                e.Services.GetRequiredService<RedisClusterOperations>().StartInBackground(name);
            }

            return Task.CompletedTask;
        });

        return clusterBuilder
            .WithHealthCheck(healthCheckKey)
            .WithClusterCommands();
    }

    /// <summary>
    /// Turns self-healing on (the default) or off. On: when a node's process dies without anyone asking it to stop
    /// (killed, crashed, out of memory), the cluster's operations bring it back through DCP's start, with its node
    /// file, after the cluster has failed over a master that had a replica, so it rejoins as a replica; a node that
    /// cannot come back within <see cref="RedisClusterResource.RejoinTimeout"/> is forgotten and a spare node
    /// joins as a replica in its place; and every master is given a replica again while spares last. Every step is
    /// in the cluster's console log and its operation events. Off: a dead node stays dead until its "Restart node".
    /// </summary>
    public static IResourceBuilder<RedisClusterResource> WithSelfHealing(this IResourceBuilder<RedisClusterResource> builder, bool enabled = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithAnnotation(new RedisClusterSelfHealingAnnotation(enabled), ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>
    /// Makes every node announce <paramref name="portOf"/>(node) as its client port (redis-server's
    /// <c>cluster-announce-port</c>, given at start; the bus port stays the node's own), so that <c>CLUSTER SLOTS</c>,
    /// <c>MOVED</c> and <c>ASK</c> send clients there, e.g. through an emulated network link. The cluster's own
    /// operations still reach each node on its real port.
    /// </summary>
    public static IResourceBuilder<RedisClusterResource> WithAnnouncedPorts(this IResourceBuilder<RedisClusterResource> builder, Func<RedisClusterNodeResource, int> portOf)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(portOf);
        return builder.WithAnnotation(new RedisClusterAnnouncedPortsAnnotation(portOf), ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>Keeps the node files in <paramref name="path"/> (one subfolder per node) instead of a new temp folder.</summary>
    public static IResourceBuilder<RedisClusterResource> WithDataDirectory(this IResourceBuilder<RedisClusterResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        builder.WithAnnotation(new LocalDataDirectoryAnnotation(Path.GetFullPath(path)), ResourceAnnotationMutationBehavior.Replace);
        foreach (var node in builder.Resource.Nodes)
        {
            builder.ApplicationBuilder.CreateResourceBuilder(node).WithWorkingDirectory(node.Folder);
        }

        return builder;
    }

    private static void AddNode(IDistributedApplicationBuilder builder, RedisClusterResource cluster, int index, string? server)
    {
        var port = LocalPorts.Next();
        var node = new RedisClusterNodeResource($"{cluster.Name}-{index}", server ?? "redis-server", cluster.DataDirectory, cluster, index, port, LocalPorts.Next());
        cluster.AddNode(node);
        var configFile = () => Path.Combine(node.Folder, "redis.conf");

        // DCP gets every node (not started) when the app starts, with its working folder: make it exist by then.
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            Directory.CreateDirectory(node.Folder);
            return Task.CompletedTask;
        });
        builder.AddResource(node)
            .WithEndpoint(RedisClusterNodeResource.PrimaryEndpointName, e =>
            {
                e.Port = node.Port;
                e.TargetPort = node.Port;
                e.IsProxied = false;
                e.TargetHost = "127.0.0.1";
                e.UriScheme = "tcp";
            })
            .WithExplicitStart()
            .WithAnnotation(new HealedByIntegrationAnnotation("RedisCluster"))
            .WithWorkingDirectory(node.Folder)
            .WithArgs(ctx =>
            {
                ctx.Args.Add(configFile());
                ctx.Args.Add("--port");
                ctx.Args.Add(node.Port.ToString(CultureInfo.InvariantCulture));
                ctx.Args.Add("--cluster-port");
                ctx.Args.Add(node.BusPort.ToString(CultureInfo.InvariantCulture));
                ctx.Args.Add("--bind");
                ctx.Args.Add("127.0.0.1");
                ctx.Args.Add("--protected-mode");
                ctx.Args.Add("yes");
                if (cluster.TryGetLastAnnotation<RedisClusterAnnouncedPortsAnnotation>(out var announced))
                {
                    ctx.Args.Add("--cluster-announce-port");
                    ctx.Args.Add(announced.PortOf(node).ToString(CultureInfo.InvariantCulture));
                    // Derived from the announced port unless given: keep the bus direct, on the node's own bus port.
                    ctx.Args.Add("--cluster-announce-bus-port");
                    ctx.Args.Add(node.BusPort.ToString(CultureInfo.InvariantCulture));
                }
            })
            .OnBeforeResourceStarted(async (r, _, ct) =>
            {
                if (server is null)
                {
                    throw new DistributedApplicationException(LocalBinaries.NotInstalled("redis-server", "redis-server"));
                }

                // Runs on every start, a restart included: writes the config, keeps nodes.conf (the node's identity,
                // so a restarted node rejoins as itself). Operations that need a fresh node delete the folder first.
                var secret = await r.Parent.PasswordParameter.GetValueAsync(ct).ConfigureAwait(false);
                Directory.CreateDirectory(r.Folder);
                LocalFolders.WriteSecretFile(configFile(), string.Create(CultureInfo.InvariantCulture, $"""
                    # Written by the AppHost on every start (0600: it holds the password, kept off the command line).
                    requirepass "{secret}"
                    masterauth "{secret}"
                    cluster-enabled yes
                    cluster-config-file "{Path.Combine(r.Folder, "nodes.conf")}"
                    cluster-node-timeout {(long)cluster.NodeTimeout.TotalMilliseconds}
                    dir "{r.Folder}"
                    # A cache: nothing on disk; a node that restarts gets its data back from its master.
                    save ""
                    appendonly no
                    # Redis waits 5 s for more replicas before a diskless full sync; a replica that has not synced
                    # cannot be promoted, so that wait would be a window after create/add in which failover fails.
                    repl-diskless-sync-delay 0

                    """));
            });
    }
}
