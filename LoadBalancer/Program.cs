using LoadBalancer;

// YARP in front of the web replicas: round robin, switchable cookie affinity, health checks, drain per replica, and
// one retry on another replica when a replica cannot be reached.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLoadBalancer();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapLoadBalancerAdminApi();
app.MapReverseProxy(proxy => proxy.UseReplicaPipeline());

app.Run();
