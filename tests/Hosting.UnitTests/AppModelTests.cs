using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Hosting.UnitTests;

/// <summary>What the builder extensions put in the app model, checked without starting anything.</summary>
public sealed class AppModelTests
{
    [Fact]
    public void AClusterOfThreeMastersWithOneReplicaEachAndTwoSparesHasEightNodesOnDistinctPorts()
    {
        var builder = DistributedApplication.CreateBuilder();

        var cluster = builder.AddRedisCluster("cache-cluster").Resource;

        Assert.Equal(6, cluster.InitialNodeCount);
        Assert.Equal(8, cluster.Nodes.Count);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"cache-cluster-{i}"), cluster.Nodes.Select(n => n.Name));
        var ports = cluster.Nodes.SelectMany(n => new[] { n.Port, n.BusPort }).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(cluster.Nodes, n => Assert.Same(cluster, n.Parent));
    }

    [Fact]
    public void AClusterHealsItselfUnlessWithSelfHealingFalseTurnsItOff()
    {
        var builder = DistributedApplication.CreateBuilder();

        var healing = builder.AddRedisCluster("healing").Resource;
        var manual = builder.AddRedisCluster("manual").WithSelfHealing(false).Resource;
        var again = builder.AddRedisCluster("again").WithSelfHealing(false).WithSelfHealing().Resource;

        Assert.True(healing.SelfHealing);
        Assert.False(manual.SelfHealing);
        Assert.True(again.SelfHealing);
        Assert.Single(again.Annotations.OfType<RedisClusterSelfHealingAnnotation>());

        // Healing on or off, the cluster decides about its nodes: a generic restarter must leave them alone.
        Assert.All(manual.Nodes.Cast<IResource>().Append(manual), r => Assert.True(r.HasAnnotationOfType<HealedByIntegrationAnnotation>()));
    }

    [Fact]
    public void ClusterNodesAreExplicitStartAndNotProxiedSoTheyAnnounceTheirOwnPorts()
    {
        var builder = DistributedApplication.CreateBuilder();

        var cluster = builder.AddRedisCluster("cache-cluster").Resource;

        Assert.All(cluster.Nodes, node =>
        {
            Assert.True(node.HasAnnotationOfType<ExplicitStartupAnnotation>());
            var endpoint = Assert.Single(node.Annotations.OfType<EndpointAnnotation>());
            Assert.False(endpoint.IsProxied);
            Assert.Equal(node.Port, endpoint.Port);
            Assert.Equal(node.Port, endpoint.TargetPort);
        });
    }

    [Fact]
    public async Task TheClusterConnectionStringListsTheInitialNodesAndThePasswordBeforeAnythingStarts()
    {
        var builder = DistributedApplication.CreateBuilder();
        var cluster = builder.AddRedisCluster("cache-cluster", masters: 3, replicasPerMaster: 1, spareNodes: 2).Resource;

        var connectionString = await cluster.ConnectionStringExpression.GetValueAsync(CancellationToken.None);

        var parts = connectionString!.Split(',');
        Assert.Equal(cluster.Nodes.Take(6).Select(n => $"127.0.0.1:{n.Port}"), parts[..6]);
        Assert.StartsWith("password=", parts[6], StringComparison.Ordinal);
        Assert.True(parts[6].Length > "password=".Length + 20);
        Assert.Equal(7, parts.Length);
    }

    [Fact]
    public void AClusterWithFewerThanThreeMastersIsRefused()
    {
        var builder = DistributedApplication.CreateBuilder();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddRedisCluster("cache-cluster", masters: 2));

        Assert.Contains("at least 3 masters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALocalRedisConnectionStringIsLoopbackWithItsGeneratedPassword()
    {
        var builder = DistributedApplication.CreateBuilder();

        var redis = builder.AddLocalRedis("cache").Resource;
        var connectionString = await redis.ConnectionStringExpression.GetValueAsync(CancellationToken.None);

        var password = await redis.PasswordParameter.GetValueAsync(CancellationToken.None);
        Assert.Equal($"127.0.0.1:{redis.Port.ToString(CultureInfo.InvariantCulture)},password={password}", connectionString);
        Assert.Equal("cache-password", redis.PasswordParameter.Name);
        Assert.True(redis.PasswordParameter.Secret);
        Assert.Matches("^[A-Za-z0-9]{24,}$", password);
    }

    [Fact]
    public void ALocalRedisGivenAPortUsesIt()
    {
        var builder = DistributedApplication.CreateBuilder();

        var redis = builder.AddLocalRedis("cache", port: 6390).Resource;

        Assert.Equal(6390, redis.Port);
        Assert.Equal(6390, Assert.Single(redis.Annotations.OfType<EndpointAnnotation>()).TargetPort);
    }

    [Fact]
    public async Task APostgresDatabaseConnectionStringIsTheServersPlusTheDatabase()
    {
        var builder = DistributedApplication.CreateBuilder();
        var postgres = builder.AddLocalPostgres("postgres");

        var database = postgres.AddDatabase("catalogdb").Resource;
        var connectionString = await database.ConnectionStringExpression.GetValueAsync(CancellationToken.None);

        Assert.StartsWith($"Host=127.0.0.1;Port={postgres.Resource.Port};Username=postgres;Password=", connectionString, StringComparison.Ordinal);
        Assert.EndsWith(";Database=catalogdb", connectionString, StringComparison.Ordinal);
        Assert.Equal("catalogdb", postgres.Resource.Databases["catalogdb"]);
        Assert.Contains(builder.Resources, r => r.Name == "postgres-init");
    }

    [Fact]
    public void ADatabaseNameThatWouldNeedQuotingIsRefused()
    {
        var builder = DistributedApplication.CreateBuilder();
        var postgres = builder.AddLocalPostgres("postgres");

        var error = Assert.Throws<ArgumentException>(() => postgres.AddDatabase("catalog", "Catalog\"; DROP"));

        Assert.Equal("databaseName", error.ParamName);
    }

    [Fact]
    public void AMissingServerBinaryNamesTheDebianPackageToInstall()
    {
        var error = Assert.Throws<DistributedApplicationException>(() => LocalBinaries.Require("no-such-redis-server", "redis-server"));

        Assert.Contains("apt-get install redis-server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PortsChosenAtModelBuildTimeLieAboveTheEphemeralRange()
    {
        var ephemeralEnd = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[^1].Trim(), CultureInfo.InvariantCulture);

        var ports = Enumerable.Range(0, 20).Select(_ => LocalPorts.Next()).ToList();

        Assert.All(ports, p => Assert.InRange(p, Math.Min(ephemeralEnd + 1, 64500), 65000));
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
