using Npgsql;

namespace Hosting.UnitTests;

public class EnvironmentTests
{
    [Fact]
    public async Task ReferencesInjectConnectionStringsInTheFormatsTheClientsExpect()
    {
        var builder = TestModel.CreateBuilder();
        var db = builder.AddPostgres("postgres").AddDatabase("catalogdb");
        var cache = builder.AddRedis("cache");
        builder.AddProject("web", TestModel.EchoProject).WithReference(db).WithReference(cache);
        await using var app = builder.Build();

        var env = app.GetEnvironmentVariables("web");

        var postgres = new NpgsqlConnectionStringBuilder(env["ConnectionStrings__catalogdb"]);
        Assert.Equal("127.0.0.1", postgres.Host);
        Assert.Equal(app.GetEndpoint("postgres").Port, postgres.Port);
        Assert.Equal("catalogdb", postgres.Database);
        Assert.Equal("postgres", postgres.Username);
        Assert.False(string.IsNullOrEmpty(postgres.Password));

        var redis = env["ConnectionStrings__cache"].Split(',');
        Assert.Equal($"127.0.0.1:{app.GetEndpoint("cache").Port}", redis[0]);
        Assert.Matches("^password=[0-9a-f]{32}$", redis[1]);
        Assert.Equal(await app.GetConnectionStringAsync("cache"), env["ConnectionStrings__cache"]);
    }

    [Fact]
    public async Task ReferencingAProjectInjectsOneServiceUrlPerReplica()
    {
        var builder = TestModel.CreateBuilder();
        var api = builder.AddProject("catalogapi", TestModel.EchoProject).WithReplicas(2);
        builder.AddExecutable("client", "/bin/true", ".").WithReference(api);
        await using var app = builder.Build();

        var env = app.GetEnvironmentVariables("client");

        Assert.Equal(app.GetEndpoint("catalogapi", 0).ToString().TrimEnd('/'), env["services__catalogapi__http__0"]);
        Assert.Equal(app.GetEndpoint("catalogapi", 1).ToString().TrimEnd('/'), env["services__catalogapi__http__1"]);
        Assert.False(env.ContainsKey("services__catalogapi__http__2"));
    }

    [Fact]
    public async Task ReferencingALoadBalancerInjectsItsFrontendUrl()
    {
        var builder = TestModel.CreateBuilder();
        var web = builder.AddProject("webfrontend", TestModel.EchoProject).WithReplicas(3);
        var lb = builder.AddLoadBalancer("lb", port: 18081).WithReference(web);
        builder.AddExecutable("loadgen", "/bin/true", ".").WithReference(lb);
        await using var app = builder.Build();

        Assert.Equal("http://127.0.0.1:18081", app.GetEnvironmentVariables("loadgen")["services__lb__http__0"]);
    }

    [Fact]
    public async Task ReplicasGetDistinctPortsAndTheirOwnInstanceIds()
    {
        var builder = TestModel.CreateBuilder();
        builder.AddProject("webfrontend", TestModel.EchoProject).WithReplicas(3);
        await using var app = builder.Build();

        var ports = Enumerable.Range(0, 3).Select(i => app.GetEndpoint("webfrontend", i).Port).ToList();
        Assert.Equal(3, ports.Distinct().Count());
        for (var i = 0; i < 3; i++)
        {
            var env = app.GetEnvironmentVariables("webfrontend", i);
            Assert.Equal($"http://127.0.0.1:{ports[i]}", env["ASPNETCORE_URLS"]);
            Assert.Equal($"webfrontend-{i}", env["APP_INSTANCE"]);
            Assert.Equal("webfrontend", env["OTEL_SERVICE_NAME"]);
            Assert.Equal($"service.instance.id=webfrontend-{i}", env["OTEL_RESOURCE_ATTRIBUTES"]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => app.GetEndpoint("webfrontend", 3));
    }

    [Fact]
    public async Task ProjectsExportTelemetryToTheDashboardOnlyWhenThereIsOne()
    {
        var builder = TestModel.CreateBuilder();
        builder.AddProject("web", TestModel.EchoProject);
        await using (var app = builder.Build())
        {
            Assert.False(app.GetEnvironmentVariables("web").ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"));
        }

        builder.Options.DashboardEnabled = true;
        await using (var app = builder.Build())
        {
            var env = app.GetEnvironmentVariables("web");
            Assert.Equal($"http://127.0.0.1:{app.DashboardPort}", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal("http/protobuf", env["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        }
    }

    [Fact]
    public async Task WithEnvironmentWinsOverInjectedVariables()
    {
        var builder = TestModel.CreateBuilder();
        builder.AddProject("web", TestModel.EchoProject)
            .WithEnvironment("Cache__Mode", "near")
            .WithEnvironment("OTEL_SERVICE_NAME", "storefront");
        await using var app = builder.Build();

        var env = app.GetEnvironmentVariables("web");
        Assert.Equal("near", env["Cache__Mode"]);
        Assert.Equal("storefront", env["OTEL_SERVICE_NAME"]);
    }

    [Fact]
    public async Task AnExecutableEndpointIsPassedInTheVariableItAskedFor()
    {
        var builder = TestModel.CreateBuilder();
        builder.AddExecutable("static", "/usr/bin/python3", ".", "-m", "http.server").WithHttpEndpoint(port: 18555, env: "HTTP_PORT");
        await using var app = builder.Build();

        Assert.Equal("18555", app.GetEnvironmentVariables("static")["HTTP_PORT"]);
        Assert.Equal(new Uri("http://127.0.0.1:18555"), app.GetEndpoint("static"));
    }

    [Fact]
    public async Task ThePostgresPasswordOfAnExistingDataFolderIsReused()
    {
        var state = Directory.CreateTempSubdirectory("apphost-unit-");
        try
        {
            Directory.CreateDirectory(Path.Combine(state.FullName, "postgres"));
            File.WriteAllText(Path.Combine(state.FullName, "postgres", "password"), "kept-from-the-first-run\n");
            var builder = TestModel.CreateBuilder(state.FullName);
            builder.AddPostgres("postgres");
            await using var app = builder.Build();

            Assert.Contains("Password=kept-from-the-first-run", await app.GetConnectionStringAsync("postgres"), StringComparison.Ordinal);
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }
}
