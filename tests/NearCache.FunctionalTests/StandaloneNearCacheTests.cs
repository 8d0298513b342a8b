using Xunit.Abstractions;

namespace NearCache.FunctionalTests;

/// <summary>The near-cache tests on one real redis-server.</summary>
public sealed class StandaloneNearCacheTests(StandaloneServerFixture fixture, ITestOutputHelper output)
    : NearCacheTests(output), IClassFixture<StandaloneServerFixture>
{
    protected override string ConnectionString => fixture.ConnectionString;
}
