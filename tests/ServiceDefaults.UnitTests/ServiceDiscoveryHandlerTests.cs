using Microsoft.Extensions.Configuration;
using ServiceDefaults;

namespace ServiceDefaults.UnitTests;

public sealed class ServiceDiscoveryHandlerTests
{
    [Fact]
    public async Task ALogicalHostIsSentToTheEndpointInServicesConfiguration()
    {
        var recorder = new RecordingHandler();
        using var client = Client(recorder, new() { ["services:catalogapi:http:0"] = "http://127.0.0.1:5123" });

        await client.GetAsync("http://catalogapi/api/catalog/items/1?x=2");

        Assert.Equal("http://127.0.0.1:5123/api/catalog/items/1?x=2", Assert.Single(recorder.Requests).ToString());
    }

    [Fact]
    public async Task AHostWithoutAConfiguredEndpointIsLeftAlone()
    {
        var recorder = new RecordingHandler();
        using var client = Client(recorder, []);

        await client.GetAsync("http://127.0.0.1:6000/alive");

        Assert.Equal("http://127.0.0.1:6000/alive", Assert.Single(recorder.Requests).ToString());
    }

    [Fact]
    public async Task AnEndpointThatIsNotAUrlIsAnErrorNamingTheVariable()
    {
        using var client = Client(new RecordingHandler(), new() { ["services:catalogapi:http:0"] = "localhost-5000" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetAsync("http://catalogapi/"));

        Assert.Contains("services__catalogapi__http__0", error.Message);
    }

    private static HttpClient Client(RecordingHandler recorder, Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new HttpClient(new ServiceDiscoveryHandler(configuration) { InnerHandler = recorder });
    }
}
