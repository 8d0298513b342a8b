namespace Hosting.UnitTests;

public class StartOrderTests
{
    [Fact]
    public void WaitForStartsDependenciesFirst()
    {
        var builder = TestModel.CreateBuilder();
        // Added in the reverse of the order they must start in.
        var loadgen = builder.AddExecutable("loadgen", "/bin/true", ".");
        var web = builder.AddProject("webfrontend", TestModel.EchoProject);
        var api = builder.AddProject("catalogapi", TestModel.EchoProject);
        var db = builder.AddPostgres("postgres").AddDatabase("catalogdb");
        var cache = builder.AddRedis("cache");
        api.WithReference(db).WaitFor(db);
        web.WithReference(cache).WaitFor(cache).WithReference(api).WaitFor(api);
        loadgen.WithReference(web).WaitFor(web);

        var order = ResourceGraph.GetStartOrder(builder.Resources).Select(r => r.Name).ToList();

        Assert.True(order.IndexOf("postgres") < order.IndexOf("catalogdb"));
        Assert.True(order.IndexOf("catalogdb") < order.IndexOf("catalogapi"));
        Assert.True(order.IndexOf("catalogapi") < order.IndexOf("webfrontend"));
        Assert.True(order.IndexOf("cache") < order.IndexOf("webfrontend"));
        Assert.True(order.IndexOf("webfrontend") < order.IndexOf("loadgen"));
    }

    [Fact]
    public void ACycleOfWaitsIsRejectedNamingTheCycle()
    {
        var builder = TestModel.CreateBuilder();
        var a = builder.AddProject("a", TestModel.EchoProject);
        var b = builder.AddProject("b", TestModel.EchoProject);
        a.WaitFor(b);
        b.WaitFor(a);

        var ex = Assert.Throws<DistributedApplicationException>(() => builder.Build());
        Assert.Contains("a -> b -> a", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResourcesThatWaitAreReportedWaitingBeforeStart()
    {
        var builder = TestModel.CreateBuilder();
        var cache = builder.AddRedis("cache");
        builder.AddProject("web", TestModel.EchoProject).WaitFor(cache);
        await using var app = builder.Build();

        Assert.Equal(ResourceState.Waiting, app.ResourceNotifications.GetSnapshot("web")!.State);
    }
}
