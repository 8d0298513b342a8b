using Hosting.ApplicationModel;

namespace Hosting.UnitTests;

public class ModelValidationTests
{
    [Theory]
    [InlineData("WebFrontend")]
    [InlineData("1cache")]
    [InlineData("cache_1")]
    [InlineData("cache 1")]
    public void InvalidResourceNamesAreRejectedWithTheRule(string name)
    {
        var builder = TestModel.CreateBuilder();
        var ex = Assert.Throws<ArgumentException>(() => builder.AddRedis(name));
        Assert.Contains("lowercase letters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResourceNamesMustBeUnique()
    {
        var builder = TestModel.CreateBuilder();
        builder.AddRedis("cache");
        var ex = Assert.Throws<DistributedApplicationException>(() => builder.AddPostgres("cache"));
        Assert.Contains("'cache' already exists", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuilderMethodsValidateTheirArguments()
    {
        var builder = TestModel.CreateBuilder();
        var web = builder.AddProject("web", TestModel.EchoProject);
        Assert.Throws<ArgumentOutOfRangeException>(() => web.WithReplicas(0));
        Assert.Throws<ArgumentException>(() => web.WithHttpHealthCheck("health"));
        Assert.Throws<ArgumentException>(() => web.WithEnvironment("A=B", "c"));
        Assert.Throws<ArgumentException>(() => web.WithReference(web));
        Assert.Throws<ArgumentException>(() => web.WaitFor(web));
        Assert.Throws<ArgumentNullException>(() => web.WithReference((IResourceBuilder<IResourceWithConnectionString>)null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddLoadBalancer("lb", port: 70000));
    }

    [Fact]
    public void AMissingProjectIsAnErrorNamingThePath()
    {
        var builder = TestModel.CreateBuilder();
        var ex = Assert.Throws<DistributedApplicationException>(() => builder.AddProject("nothing", "NoSuchProject"));
        Assert.Contains("NoSuchProject", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALoadBalancerWithoutBackendCannotBeBuilt()
    {
        var builder = TestModel.CreateBuilder();
        builder.AddLoadBalancer("lb");
        var ex = Assert.Throws<DistributedApplicationException>(() => builder.Build());
        Assert.Contains(".WithReference(project)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALoadBalancerHasOneBackend()
    {
        var builder = TestModel.CreateBuilder();
        var a = builder.AddProject("a", TestModel.EchoProject);
        var b = builder.AddProject("b", TestModel.EchoProject);
        var lb = builder.AddLoadBalancer("lb").WithReference(a);
        Assert.Throws<DistributedApplicationException>(() => lb.WithReference(b));
    }

    [Fact]
    public void TwoResourcesAskingForTheSamePortCannotBeBuilt()
    {
        var builder = TestModel.CreateBuilder();
        var web = builder.AddProject("web", TestModel.EchoProject);
        builder.AddLoadBalancer("lb1", port: 18090).WithReference(web);
        builder.AddLoadBalancer("lb2", port: 18090).WithReference(web);
        var ex = Assert.Throws<DistributedApplicationException>(() => builder.Build());
        Assert.Contains("18090", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingBinaryNamesTheDebianPackage()
    {
        var ex = Assert.Throws<DistributedApplicationException>(() => Processes.BinaryLocator.Find("no-such-server", "no-such-package"));
        Assert.Equal("no-such-server was not found: apt-get install no-such-package", ex.Message);
    }

    [Fact]
    public void AnnotationsAreReadBackLastOneWins()
    {
        var builder = TestModel.CreateBuilder();
        var web = builder.AddProject("web", TestModel.EchoProject).WithReplicas(2).WithReplicas(3);
        Assert.True(web.Resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas));
        Assert.Equal(3, replicas.Replicas);
        Assert.Equal(3, web.Resource.GetReplicaCount());
        Assert.False(web.Resource.TryGetLastAnnotation<HttpHealthCheckAnnotation>(out _));
    }
}
