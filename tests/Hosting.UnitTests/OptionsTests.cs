namespace Hosting.UnitTests;

public class OptionsTests
{
    [Fact]
    public void DefaultsAreThePortsAPersonTypes()
    {
        var options = DistributedApplicationOptions.FromArgs([]);
        Assert.Equal(8080, options.LoadBalancerPort);
        Assert.Equal(18888, options.DashboardPort);
        Assert.Equal(Path.GetFullPath(".apphost"), options.StateDirectory);
    }

    [Fact]
    public void PortsAndStateFolderComeFromTheCommandLine()
    {
        var options = DistributedApplicationOptions.FromArgs(["--lb-port", "8081", "--dashboard-port=0", "--state-dir", "/tmp/x", "--topology", "cluster"]);
        Assert.Equal(8081, options.LoadBalancerPort);
        Assert.Equal(0, options.DashboardPort);
        Assert.Equal("/tmp/x", options.StateDirectory);
    }

    [Theory]
    [InlineData("--lb-port", "eighty")]
    [InlineData("--dashboard-port", "70000")]
    public void AnInvalidPortNamesTheOption(string option, string value)
    {
        var ex = Assert.Throws<DistributedApplicationException>(() => DistributedApplicationOptions.FromArgs([option, value]));
        Assert.Contains(option, ex.Message, StringComparison.Ordinal);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOptionWithoutValueSaysWhatItNeeds()
    {
        var ex = Assert.Throws<DistributedApplicationException>(() => DistributedApplicationOptions.FromArgs(["--state-dir"]));
        Assert.Contains("--state-dir needs a value", ex.Message, StringComparison.Ordinal);
    }
}
