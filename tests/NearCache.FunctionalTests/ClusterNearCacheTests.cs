using Xunit.Abstractions;

namespace NearCache.FunctionalTests;

/// <summary>The near-cache tests on a real 3-master/3-replica Redis Cluster (keys spread over all masters).</summary>
public sealed class ClusterNearCacheTests(ClusterFixture fixture, ITestOutputHelper output)
    : NearCacheTests(output), IClassFixture<ClusterFixture>
{
    protected override string ConnectionString => fixture.ConnectionString;
}
