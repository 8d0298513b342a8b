using AppHost;
using AppHost.Topologies;
using Scaleout.Integration;

// The whole sample under Aspire: ./run.sh, or dotnet run --project AppHost -- [--topology single] [--lb-port 8080]
// [--dashboard-port 18888] [--control-port 18889] [--state-dir .apphost] [--containers official|local] [--no-self-healing]
// [--network lan|lan-10g|cross-zone] [--network-delay 200us] [--network-rate 1gbit]
AppHostOptions options;
IDistributedApplicationBuilder builder;
try
{
    options = AppHostOptions.Parse(args);
    builder = DistributedApplication.CreateBuilder(AppHostOptions.ForConfiguration(args));
    AppHostOptions.AddAppHostSettings(builder.Configuration);
    options = options.WithSettings(builder.Configuration);
    Prerequisites.EnsureInstalled(options);
    options.EnsurePortsAreFree(builder.Configuration);
    options.EnsureStateDirectoryIsUsable();
}
catch (AppHostOptionsException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

var adminToken = builder.AddSampleOptions(options);

// With --containers, Aspire's own container integrations (AddPostgres, AddRedis); otherwise the same servers as local
// executables, which need no container runtime. The Redis Cluster is local either way.
IResourceBuilder<IResourceWithConnectionString> catalogDb = options.Containers is { } images
    ? builder.AddPostgres(ResourceNames.Postgres, password: builder.AddGeneratedPassword(ResourceNames.Postgres)).WithImages(images)
        .WithAutoRestart().AddDatabase(ResourceNames.CatalogDb)
    : builder.AddLocalPostgres(ResourceNames.Postgres).WithDataDirectory(options.StatePath(ResourceNames.Postgres))
        .WithAutoRestart().AddDatabase(ResourceNames.CatalogDb);
IResourceBuilder<IResourceWithConnectionString> AddCache(string name) => options.Containers is { } images
    ? builder.AddRedis(name, password: builder.AddGeneratedPassword(name)).WithImages(images).WithAutoRestart()
    : builder.AddLocalRedis(name).WithAutoRestart();

var catalogApi = builder.AddProject<Projects.CatalogApi>(ResourceNames.CatalogApi)
    .WithLoopbackHttpEndpoint()
    .WithReference(catalogDb).WaitFor(catalogDb)
    .WithHttpHealthCheck("/health")
    .WithAutoRestart();

// Every cache a topology may use, declared now (DCP cannot add resources later) and started by the first topology
// that needs it. Every server and service but the cluster's nodes (which heal inside Hosting/Cluster) comes back by
// itself when its process dies unasked (WithAutoRestart); a stop someone asked for stays a stop.
List<IResourceBuilder<IResourceWithConnectionString>> caches =
[
    AddCache(ResourceNames.SingleCache).WithExplicitStart(),
    .. Enumerable.Range(0, ResourceNames.WebReplicas).Select(i => AddCache(ResourceNames.NaiveCache(i)).WithExplicitStart()),
    builder.AddRedisCluster(ResourceNames.ClusterCache).WithDataDirectory(options.StatePath(ResourceNames.ClusterCache))
        .WithSelfHealing(options.SelfHealing).WithExplicitStart(),
];

// An installed ScaleOut StateServer (the soss topology), only when its hosts are configured: it runs elsewhere, so
// nothing starts it; its health check says whether it answers.
if (ScaleOutStateServerConfiguration.IsConfigured(builder.Configuration))
{
    try
    {
        caches.Add(builder.AddScaleOutStateServer(ResourceNames.Soss));
    }
    catch (ScaleOutConfigurationException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }
}
else if (options.StartTopology.Cache == TopologyCache.Soss)
{
    Console.Error.WriteLine($"--topology {options.StartTopology.Name} is unavailable: {ScaleOutStateServerConfiguration.NotConfiguredReason(ResourceNames.Soss)}.");
    return 2;
}

// Three project resources, not WithReplicas(3): behind DCP's one replica address YARP could neither balance nor stick.
// They start without a cache (the topology controller points them at one through their admin endpoint), and
// alongside catalogapi rather than after it: the load balancer waits for both.
var replicas = Enumerable.Range(0, ResourceNames.WebReplicas).Select(i => builder.AddProject<Projects.WebFrontend>(ResourceNames.WebFrontend(i))
    .WithLoopbackHttpEndpoint()
    .WithReference(catalogApi)
    .WithCaches(caches)
    .WithEnvironment("ADMIN_TOKEN", adminToken)
    .WithEnvironment("REPLICA_NAME", ResourceNames.WebFrontend(i))
    .WithHttpHealthCheck("/health")
    .WithDrainedRestartCommand()
    .WithSelfHealingReplica()).ToList();

var lb = builder.AddProject<Projects.LoadBalancer>(ResourceNames.LoadBalancer)
    .WithLoopbackHttpEndpoint(options.LbPort)
    .WithReplicas(replicas)
    .WaitFor(catalogApi)
    .WithEnvironment("ADMIN_TOKEN", adminToken)
    .WithHttpHealthCheck("/health")
    .WithTopologies()
    .WithSelfHealingLoadBalancer();

builder.AddProject<Projects.LoadGen>(ResourceNames.LoadGen)
    .WithLoopbackHttpEndpoint()
    .WithReference(lb).WaitFor(lb)
    .WithReference(catalogApi)
    .WithEnvironment("ControlApi__Url", options.ControlUrl.ToString())
    .WithHttpHealthCheck("/health")
    .WithAutoRestart();

// --network: links between the processes (AppHost/Network); without it, nothing.
AppHost.Network.NetworkModel.AddNetwork(builder, options);

await builder.Build().RunAsync();
return 0;
