using Microsoft.Extensions.Configuration;
using Scaleout.Integration;

namespace Scaleout.Integration.Tests;

public class ScaleOutStateServerConfigurationTests
{
    private static IConfiguration Configuration(params (string Key, string? Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, v.Value))).Build();

    [Fact]
    public void WithoutSettingsSossIsNotConfiguredAndTheReasonSaysWhatToSet()
    {
        Assert.False(ScaleOutStateServerConfiguration.IsConfigured(Configuration()));
        Assert.False(ScaleOutStateServerConfiguration.IsConfigured(Configuration(("Parameters:soss-hosts", "  "))));
        Assert.Equal(
            "set Parameters:soss-hosts (or ConnectionStrings:soss) to your SOSS hosts to enable the soss topology",
            ScaleOutStateServerConfiguration.NotConfiguredReason());
    }

    [Fact]
    public void EitherTheHostsParameterOrTheConnectionStringMakesSossConfigured()
    {
        Assert.True(ScaleOutStateServerConfiguration.IsConfigured(Configuration(("Parameters:soss-hosts", "node1"))));
        Assert.True(ScaleOutStateServerConfiguration.IsConfigured(Configuration(("ConnectionStrings:soss", "node1:721"))));
        Assert.False(ScaleOutStateServerConfiguration.IsConfigured(Configuration(("ConnectionStrings:soss", "node1:721")), "other"));
    }

    [Fact]
    public void ReadingWithoutSettingsFailsWithTheReason()
    {
        var error = Assert.Throws<ScaleOutConfigurationException>(() => ScaleOutStateServerConfiguration.Read(Configuration()));

        Assert.Equal("Parameters:soss-hosts", error.Setting);
        Assert.Contains(ScaleOutStateServerConfiguration.NotConfiguredReason(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostsWithoutAPortGetSossPort721AndThePasswordJoinsTheConnectionString()
    {
        var settings = ScaleOutStateServerConfiguration.Read(Configuration(
            ("Parameters:soss-hosts", "host1,host2:7210"), ("Parameters:soss-password", "pa=ss")));

        Assert.Equal(["host1:721", "host2:7210"], settings.Endpoints.Select(e => e.ToString()));
        Assert.Equal("host1:721,host2:7210,password=pa=ss", settings.ConnectionString);
        Assert.Equal("Parameters:soss-hosts", settings.Setting);
        Assert.Equal("Parameters:soss-password", settings.PasswordSetting);
        Assert.DoesNotContain("pa=ss", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAPasswordTheConnectionStringIsTheHostsOnly()
    {
        var settings = ScaleOutStateServerConfiguration.Read(Configuration(("Parameters:soss-hosts", "10.0.0.1__721")));

        Assert.Equal("10.0.0.1:721", settings.ConnectionString);
        Assert.Null(settings.PasswordSetting);
    }

    [Theory]
    [InlineData("host1:abc", "port 'abc'")]
    [InlineData("host1,,host2", "empty entry")]
    [InlineData("http://host1:721", "a URL")]
    public void AWrongHostFailsNamingTheHostsSettingAndHowToWriteIt(string hosts, string problem)
    {
        var error = Assert.Throws<ScaleOutConfigurationException>(
            () => ScaleOutStateServerConfiguration.Read(Configuration(("Parameters:soss-hosts", hosts))));

        Assert.Equal("Parameters:soss-hosts", error.Setting);
        Assert.StartsWith("Parameters:soss-hosts ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("host:port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APasswordWithACommaFailsNamingThePasswordSetting()
    {
        var error = Assert.Throws<ScaleOutConfigurationException>(() => ScaleOutStateServerConfiguration.Read(
            Configuration(("Parameters:soss-hosts", "host1"), ("Parameters:soss-password", "a,b"))));

        Assert.Equal("Parameters:soss-password", error.Setting);
        Assert.Contains("without commas", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWholeConnectionStringWinsAndItsHostsWithoutAPortGetSossPort721()
    {
        var settings = ScaleOutStateServerConfiguration.Read(Configuration(
            ("ConnectionStrings:soss", "host1,host2:7210,password=secret,ssl=false"),
            ("Parameters:soss-hosts", "ignored")));

        Assert.Equal(["host1:721", "host2:7210"], settings.Endpoints.Select(e => e.ToString()));
        Assert.Equal("ConnectionStrings:soss", settings.Setting);
        Assert.Equal("ConnectionStrings:soss", settings.PasswordSetting);
        Assert.StartsWith("host1:721,host2:7210,", settings.ConnectionString, StringComparison.Ordinal);
        Assert.Contains("password=secret", settings.ConnectionString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host1:abc")]
    [InlineData("password=only")]
    [InlineData("host1,nonsense=1")]
    public void AWrongConnectionStringFailsNamingIt(string connectionString)
    {
        var error = Assert.Throws<ScaleOutConfigurationException>(
            () => ScaleOutStateServerConfiguration.Read(Configuration(("ConnectionStrings:soss", connectionString))));

        Assert.Equal("ConnectionStrings:soss", error.Setting);
        Assert.Contains("ConnectionStrings:soss", error.Message, StringComparison.Ordinal);
    }
}
