using AppHost;
using Hosting;

namespace Topology.FunctionalTests;

public sealed class TopologyOptionTests
{
    [Theory]
    [InlineData(new string[0], "single")]
    [InlineData(new[] { "--topology", "cluster-near" }, "cluster-near")]
    [InlineData(new[] { "--lb-port", "9090", "--topology=NAIVE-STICKY" }, "naive-sticky")]
    public void TheTopologyOptionChoosesTheStartTopology(string[] args, string expected)
        => Assert.Equal(expected, SampleApplication.ParseTopology(args).Name);

    [Theory]
    [InlineData("--topology", "memcached")]
    [InlineData("--topology")]
    public void AnUnknownOrMissingTopologyIsAnErrorListingTheTopologies(params string[] args)
    {
        var error = Assert.Throws<DistributedApplicationException>(() => SampleApplication.ParseTopology(args));
        Assert.Contains("none, single, naive, naive-sticky, cluster, cluster-near", error.Message, StringComparison.Ordinal);
    }
}
