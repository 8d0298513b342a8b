namespace RedisClient.UnitTests;

public class ConfigurationOptionsTests
{
    [Fact]
    public void AStackExchangeRedisStringIsParsed()
    {
        var options = ConfigurationOptions.Parse(
            "127.0.0.1:7000, localhost:7001,password=s3cret,user=app,connectTimeout=1500,syncTimeout=250,abortConnect=false,name=web-1");
        Assert.Equal(["127.0.0.1:7000", "localhost:7001"], options.EndPoints.Select(e => $"{e.Host}:{e.Port}"));
        Assert.Equal("s3cret", options.Password);
        Assert.Equal("app", options.User);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SyncTimeout);
        Assert.False(options.AbortOnConnectFail);
        Assert.Equal("web-1", options.ClientName);
    }

    [Fact]
    public void AHostWithoutPortUsesTheDefaultPortAndDefaultsApply()
    {
        var options = ConfigurationOptions.Parse("cache");
        Assert.Equal(6379, options.EndPoints[0].Port);
        Assert.True(options.AbortOnConnectFail);
        Assert.Null(options.Password);
        Assert.Equal(TimeSpan.FromSeconds(5), options.SyncTimeout);
    }

    [Theory]
    [InlineData("password=x", "names no endpoint")]
    [InlineData("127.0.0.1:99999", "not host:port")]
    [InlineData("127.0.0.1:abc", "not host:port")]
    [InlineData("127.0.0.1:6379,syncTimeout=soon", "syncTimeout must be a positive number")]
    [InlineData("127.0.0.1:6379,abortConnect=maybe", "abortConnect must be true or false")]
    [InlineData("127.0.0.1:6379,colour=blue", "Unknown option 'colour'")]
    [InlineData("127.0.0.1:6379,defaultDatabase=3", "always uses database 0")]
    [InlineData("127.0.0.1:6379,ssl=true", "ssl=true is not supported")]
    public void BadConfigurationSaysWhatIsWrong(string configuration, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ConfigurationOptions.Parse(configuration));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void ThePasswordIsNeverShown()
    {
        var options = ConfigurationOptions.Parse("127.0.0.1:6379,password=hunter2");
        Assert.DoesNotContain("hunter2", options.ToString());
        var error = Assert.Throws<ArgumentException>(() => ConfigurationOptions.Parse("password=hunter2"));
        Assert.DoesNotContain("hunter2", error.Message);
    }
}
