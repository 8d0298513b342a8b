using Scaleout.Integration;

namespace Scaleout.Integration.Tests;

public class ServerListParserTests
{
    [Fact]
    public void TheArticlesHostDoubleUnderscorePortFormParsesIntoHostColonPortEndpoints()
    {
        var endpoints = ServerListParser.Parse("10.0.0.1__721,10.0.0.2__721", "SOSS_SERVERS", ServerListParser.SossPort);

        Assert.Equal(["10.0.0.1:721", "10.0.0.2:721"], endpoints.Select(e => e.ToString()));
        Assert.Equal(new ServerEndpoint("10.0.0.1", 721), endpoints[0]);
    }

    [Fact]
    public void HostColonPortBareHostsAndSpacesAreAcceptedAndABareHostTakesTheDefaultPort()
    {
        var endpoints = ServerListParser.Parse(" node1 , node2:7210, redis_box__6380 ", "Parameters:soss-hosts", ServerListParser.SossPort);

        Assert.Equal(["node1:721", "node2:7210", "redis_box:6380"], endpoints.Select(e => e.ToString()));
    }

    [Fact]
    public void IPv6AddressesParseWithOrWithoutBracketsAndPrintInBrackets()
    {
        var endpoints = ServerListParser.Parse("[::1]:7000,::1,[fe80::2]", "REDIS_SERVERS", ServerListParser.RedisPort);

        Assert.Equal(["[::1]:7000", "[::1]:6379", "[fe80::2]:6379"], endpoints.Select(e => e.ToString()));
    }

    [Fact]
    public void ARepeatedServerIsListedOnce()
    {
        var endpoints = ServerListParser.Parse("a__721,a:721,a", "SOSS_SERVERS", ServerListParser.SossPort);

        Assert.Equal(["a:721"], endpoints.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("a__721,,b__721", "empty entry at position 2 of 3")]
    [InlineData("a__721,", "empty entry at position 2 of 2")]
    [InlineData("a__port", "port 'port' is not a number")]
    [InlineData("a__0", "port '0' is not a number from 1 to 65535")]
    [InlineData("a:70000", "port '70000' is not a number from 1 to 65535")]
    [InlineData("a__", "port '' is not a number")]
    [InlineData("__721", "host '' is not a DNS name")]
    [InlineData("redis://a:721", "a URL")]
    [InlineData("bad host:721", "host 'bad host' is not a DNS name")]
    [InlineData("[::1:721", "without its closing ']'")]
    [InlineData("[::1]721", "after ']' only ':port' may follow")]
    [InlineData("a:b:c", "host 'a:b:c' is not a DNS name or an IP address")]
    public void AWrongListFailsNamingTheSettingTheEntryAndTheAcceptedForms(string value, string problem)
    {
        var error = Assert.Throws<FormatException>(() => ServerListParser.Parse(value, "SOSS_SERVERS", ServerListParser.SossPort));

        Assert.StartsWith("SOSS_SERVERS ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("host__port", error.Message, StringComparison.Ordinal);
        Assert.Contains("'10.0.0.1__721,10.0.0.2__721'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnsetEnvironmentVariableMeansNoServersAndASetOneIsParsed()
    {
        var variable = "SOSS_SERVERS_TEST_" + Guid.NewGuid().ToString("N");
        Assert.Null(ServerListParser.FromEnvironment(variable, ServerListParser.SossPort));

        Environment.SetEnvironmentVariable(variable, "127.0.0.1__7001");
        try
        {
            var endpoints = ServerListParser.FromEnvironment(variable, ServerListParser.SossPort);
            Assert.Equal(["127.0.0.1:7001"], endpoints!.Select(e => e.ToString()));

            Environment.SetEnvironmentVariable(variable, "127.0.0.1__x");
            var error = Assert.Throws<FormatException>(() => ServerListParser.FromEnvironment(variable, ServerListParser.SossPort));
            Assert.StartsWith(variable, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void TheConnectionStringListsEveryServerAndThePasswordWhenThereIsOne()
    {
        var endpoints = ServerListParser.Parse("10.0.0.1__721,10.0.0.2__721", "SOSS_SERVERS", ServerListParser.SossPort);

        Assert.Equal("10.0.0.1:721,10.0.0.2:721", ServerListParser.ToConnectionString(endpoints));
        Assert.Equal("10.0.0.1:721,10.0.0.2:721,password=s=cret", ServerListParser.ToConnectionString(endpoints, "s=cret"));
        Assert.Throws<ArgumentException>(() => ServerListParser.ToConnectionString(endpoints, "a,b"));
        Assert.Throws<ArgumentException>(() => ServerListParser.ToConnectionString([]));
    }
}
