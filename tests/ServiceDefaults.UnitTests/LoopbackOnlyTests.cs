using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.UnitTests;

/// <summary>
/// <c>UseLoopbackOnly</c> over real HTTP (Kestrel on 127.0.0.1, a free port): the Host and Origin headers arrive as a
/// browser or curl sends them, and a counter says whether the endpoint ran.
/// </summary>
public sealed class LoopbackOnlyTests : IAsyncLifetime
{
    // The trusted page: another loopback port, as LoadGen's lab page is for the AppHost's control API.
    private const int TrustedPort = 5173;

    private readonly HttpClient _client = new();
    private WebApplication _app = null!;
    private int _switches;

    private Uri Base => new(_app.Urls.First());

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddProblemDetails();
        _app = builder.Build();
        _app.UseLoopbackOnly(() => [new Uri($"http://localhost:{TrustedPort}/")]);
        _app.MapPut("/api/topology", () =>
        {
            Interlocked.Increment(ref _switches);
            return TypedResults.Ok();
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:{port}")]
    [InlineData("localhost.evil.example:{port}")]
    [InlineData("127.0.0.2:{port}")]
    public async Task AHostThatIsNotALoopbackNameIsA400ProblemDetailsAndTheEndpointDoesNotRun(string host)
    {
        using var response = await PutAsync(host.Replace("{port}", Base.Port.ToString(), StringComparison.Ordinal), origin: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Host not allowed", problem.GetProperty("title").GetString());
        Assert.Contains($"use http://127.0.0.1:{Base.Port}/api/topology", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _switches);
    }

    [Theory]
    [InlineData("127.0.0.1:{port}")]
    [InlineData("localhost:{port}")]
    [InlineData("LOCALHOST:{port}")]
    [InlineData("[::1]:{port}")]
    public async Task TheLoopbackNamesWithThePortPass(string host)
    {
        using var response = await PutAsync(host.Replace("{port}", Base.Port.ToString(), StringComparison.Ordinal), origin: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _switches);
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://127.0.0.1:{port}.evil.example")]
    [InlineData("null")]
    [InlineData("http://localhost:1")]
    [InlineData("https://localhost:5173")]
    public async Task ABrowserOriginOtherThanTheApisOwnOrTheTrustedPageIsA403AndTheEndpointDoesNotRun(string origin)
    {
        using var response = await PutAsync(null, origin.Replace("{port}", Base.Port.ToString(), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Origin not allowed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal(0, _switches);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}")]
    [InlineData("http://localhost:{port}")]
    [InlineData("http://localhost:5173")]
    [InlineData("http://127.0.0.1:5173")]
    [InlineData("http://[::1]:5173")]
    public async Task TheApisOwnOriginAndTheTrustedPageUnderAnyLoopbackNamePass(string origin)
    {
        using var response = await PutAsync(null, origin.Replace("{port}", Base.Port.ToString(), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _switches);
    }

    [Fact]
    public async Task AnOriginIsComparedWithThePortTheRequestArrivedOnNotWithTheHostHeaders()
    {
        using var response = await PutAsync("localhost:5000", "http://localhost:5000");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, _switches);
    }

    private Task<HttpResponseMessage> PutAsync(string? host, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, new Uri(Base, "/api/topology"));
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        return _client.SendAsync(request);
    }
}
