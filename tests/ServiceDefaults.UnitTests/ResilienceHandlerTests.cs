using System.Net;
using ServiceDefaults;

namespace ServiceDefaults.UnitTests;

public sealed class ResilienceHandlerTests
{
    [Fact]
    public async Task AGetThatFailsWithAServerErrorIsRetried()
    {
        var recorder = new RecordingHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.InternalServerError);
        using var client = new HttpClient(new ResilienceHandler { InnerHandler = recorder });

        using var response = await client.GetAsync("http://127.0.0.1:1/api/catalog/items/1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, recorder.Requests.Count);
    }

    [Fact]
    public async Task APutIsNeverRetriedBecauseItBumpsTheVersion()
    {
        var recorder = new RecordingHandler(HttpStatusCode.ServiceUnavailable);
        using var client = new HttpClient(new ResilienceHandler { InnerHandler = recorder });

        using var response = await client.PutAsync("http://127.0.0.1:1/api/catalog/items/1", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(recorder.Requests);
    }

    [Fact]
    public async Task AClientErrorIsNotRetried()
    {
        var recorder = new RecordingHandler(HttpStatusCode.NotFound);
        using var client = new HttpClient(new ResilienceHandler { InnerHandler = recorder });

        using var response = await client.GetAsync("http://127.0.0.1:1/api/catalog/items/99");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Single(recorder.Requests);
    }

    [Fact]
    public async Task AGetMarkedNoRetriesIsSentOnce()
    {
        var recorder = new RecordingHandler(HttpStatusCode.ServiceUnavailable);
        using var client = new HttpClient(new ResilienceHandler { InnerHandler = recorder });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/api/products/1");
        request.Options.Set(ResilienceHandler.NoRetries, true);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(recorder.Requests);
    }
}
