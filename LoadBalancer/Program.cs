using LoadBalancer;

// YARP in front of the web replicas: round robin, switchable cookie affinity, health checks, drain per replica.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLoadBalancer();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapLoadBalancerAdminApi();
app.MapReverseProxy(proxy => proxy.UseReplicaDraining());

app.Run();
