using Hosting.ApplicationModel;
using Hosting.LoadBalancing;

namespace Hosting.UnitTests;

public class HaproxyConfigTests
{
    [Fact]
    public async Task TheConfigBalancesRoundRobinOverEveryReplicaWithActiveChecks()
    {
        var builder = TestModel.CreateBuilder();
        var web = builder.AddProject("webfrontend", TestModel.EchoProject).WithReplicas(3);
        var lb = builder.AddLoadBalancer("lb", port: 18082).WithReference(web);
        await using var app = builder.Build();

        var cfg = HaproxyConfig.Generate(lb.Resource, "/state/lb/haproxy.sock");
        var lines = cfg.Split('\n').Select(l => l.Trim()).ToList();

        Assert.Contains("stats socket /state/lb/haproxy.sock mode 600 level admin", lines);
        Assert.Contains("bind 127.0.0.1:18082", lines);
        Assert.Contains("default_backend webfrontend", lines);
        Assert.Contains("balance roundrobin", lines);
        Assert.Contains("option httpchk GET /alive", lines);
        for (var i = 0; i < 3; i++)
        {
            Assert.Contains($"server webfrontend-{i} 127.0.0.1:{app.GetEndpoint("webfrontend", i).Port} check inter 500 fall 2 rise 1", lines);
        }
        Assert.Contains($"bind 127.0.0.1:{lb.Resource.StatsPort}", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("cookie", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StickySessionsInsertACookieNamingTheReplica()
    {
        var builder = TestModel.CreateBuilder();
        var web = builder.AddProject("webfrontend", TestModel.EchoProject).WithReplicas(2);
        var lb = builder.AddLoadBalancer("lb").WithReference(web).WithStickySessions();
        await using var app = builder.Build();

        var lines = HaproxyConfig.Generate(lb.Resource, "/s").Split('\n').Select(l => l.Trim()).ToList();

        Assert.Contains("cookie SERVERID insert indirect nocache", lines);
        Assert.Contains(lines, l => l.StartsWith("server webfrontend-1 ", StringComparison.Ordinal) && l.EndsWith(" cookie webfrontend-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SwitchableStickinessRoutesThroughAMapToARoundRobinOrACookieBackend()
    {
        var builder = TestModel.CreateBuilder();
        var web = builder.AddProject("webfrontend", TestModel.EchoProject).WithReplicas(2);
        var lb = builder.AddLoadBalancer("lb").WithReference(web).WithSwitchableStickySessions();
        await using var app = builder.Build();

        var lines = HaproxyConfig.Generate(lb.Resource, "/s", "/state/lb/lb.map").Split('\n').Select(l => l.Trim()).ToList();

        Assert.Contains("http-request set-var(txn.backend) str(mode),map(/state/lb/lb.map,webfrontend)", lines);
        Assert.Contains("use_backend %[var(txn.backend)]", lines);
        Assert.Contains("backend webfrontend", lines);
        Assert.Contains("backend webfrontend-sticky", lines);
        Assert.Equal(1, lines.Count(l => l == "cookie SERVERID insert indirect nocache"));
        Assert.Equal(2, lines.Count(l => l.StartsWith("server webfrontend-1 ", StringComparison.Ordinal)));
        Assert.Equal("mode webfrontend-sticky\n", HaproxyConfig.GenerateMap(lb.Resource, sticky: true));
        Assert.Equal(["webfrontend", "webfrontend-sticky"], lb.Resource.BackendNames);
    }
}
