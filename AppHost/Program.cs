using Dashboard;
using Hosting;

// The whole sample as local processes: ./run.sh [--lb-port 8080] [--dashboard-port 18888] [--state-dir .apphost]
var builder = DistributedApplication.CreateBuilder(args);
builder.AddDashboard();

var catalogDb = builder.AddPostgres("postgres").AddDatabase("catalogdb");
var cache = builder.AddRedis("cache");

var catalogApi = builder.AddProject("catalogapi", "CatalogApi")
    .WithReference(catalogDb).WaitFor(catalogDb)
    .WithHttpHealthCheck("/health");

var webFrontend = builder.AddProject("webfrontend", "WebFrontend")
    .WithReplicas(3)
    .WithReference(cache).WaitFor(cache)
    .WithReference(catalogApi).WaitFor(catalogApi)
    .WithHttpHealthCheck("/health");

var lb = builder.AddLoadBalancer("lb")
    .WithReference(webFrontend).WaitFor(webFrontend);

builder.AddProject("loadgen", "LoadGen")
    .WithReference(lb).WaitFor(lb)
    .WithReference(catalogApi);

await builder.Build().RunAsync();
