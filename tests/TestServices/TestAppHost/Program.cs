using Dashboard;
using Hosting;

// The AppHost of the Hosting tests: every kind of server, so stopping it proves that none is left behind.
var builder = DistributedApplication.CreateBuilder(args);
builder.AddDashboard();

var db = builder.AddPostgres("postgres").AddDatabase("appdb");
var cache = builder.AddRedis("cache");
var echo = builder.AddProject("echo", "tests/TestServices/EchoService")
    .WithReplicas(2)
    .WithReference(db).WaitFor(db)
    .WithReference(cache).WaitFor(cache)
    .WithHttpHealthCheck("/health");
builder.AddLoadBalancer("lb").WithReference(echo).WaitFor(echo);

await builder.Build().RunAsync();
