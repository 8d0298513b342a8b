using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace WebFrontend.FunctionalTests;

[Collection(StackCollection.Name)]
public sealed class BadInputTests(StackFixture stack) : IAsyncLifetime
{
    private const int ProductId = 401;
    private WebFrontendFactory _replica = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _replica = stack.Replica("webfrontend-1");
        _client = _replica.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _replica.DisposeAsync();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("99999999999")]
    public async Task AnIdThatIsNotAPositiveIntegerIsABadRequestNamingTheId(string id)
    {
        using var read = await _client.GetAsync($"/api/products/{id}");
        await AssertValidationProblemAsync(read, "id");
        using var write = await _client.PutAsJsonAsync($"/api/products/{id}/price", new { price = 1m });
        await AssertValidationProblemAsync(write, "id");
    }

    [Theory]
    [InlineData("""{"price": -0.01}""")]
    [InlineData("""{"price": 12.345}""")]
    [InlineData("""{"price": 1000000.01}""")]
    [InlineData("""{}""")]
    [InlineData("""{"price": null}""")]
    public async Task AnInvalidPriceIsABadRequestNamingThePriceAndWritesNothing(string body)
    {
        var version = await CatalogVersionAsync();
        using var response = await PutAsync(body, "application/json");
        await AssertValidationProblemAsync(response, "price");
        Assert.Equal(version, await CatalogVersionAsync());
    }

    [Theory]
    [InlineData("", "application/json", HttpStatusCode.BadRequest, "body")]
    [InlineData("""{"price": 2.5, "currency": "EUR"}""", "application/json", HttpStatusCode.BadRequest, "currency")]
    [InlineData("""{"price": "cheap"}""", "application/json", HttpStatusCode.BadRequest, "price")]
    [InlineData("""{"price": 1.5, "price": 2.5}""", "application/json", HttpStatusCode.BadRequest, "duplicate")]
    [InlineData("""{"price": 2.5}""", "text/plain", HttpStatusCode.UnsupportedMediaType, "Content-Type")]
    public async Task AMalformedBodyIsAProblemSayingWhyAndWritesNothing(string body, string contentType, HttpStatusCode status, string reason)
    {
        var version = await CatalogVersionAsync();
        using var response = await PutAsync(body, contentType);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(version, await CatalogVersionAsync());
    }

    [Fact]
    public async Task AOneMegabyteBodyIsRejectedAndWritesNothing()
    {
        var version = await CatalogVersionAsync();
        using var response = await PutAsync("{\"price\": 3.5, \"padding\": \"" + new string('x', 1024 * 1024) + "\"}", "application/json");
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge });
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(version, await CatalogVersionAsync());
    }

    [Fact]
    public async Task ARealServerAnswersAOneMegabyteBodyWith413AndWritesNothing()
    {
        // Valid JSON made big with whitespace, so only the size is wrong. The in-process replica runs on TestServer,
        // which has no body size limit; CatalogApi here is a real Kestrel.
        // Expect: 100-continue, as a client sending a large body should: Kestrel refuses by Content-Length before it
        // asks for the body, so the body is never sent. Without it the client may still be writing when Kestrel has
        // answered 413 and closed the connection (a broken pipe instead of the answer).
        var version = await CatalogVersionAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/catalog/items/{ProductId}")
        {
            Content = new StringContent("{\"price\": 3.5" + new string(' ', 1024 * 1024) + "}", Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        using var response = await stack.Catalog.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(version, await CatalogVersionAsync());
    }

    [Fact]
    public async Task AStaleIfMatchIsAPreconditionFailedAndWritesNothing()
    {
        var version = await CatalogVersionAsync();
        using var current = new HttpRequestMessage(HttpMethod.Put, $"/api/products/{ProductId}/price") { Content = JsonContent.Create(new { price = 8.8m }) };
        current.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(current)).StatusCode);

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/products/{ProductId}/price") { Content = JsonContent.Create(new { price = 9.9m }) };
        stale.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        using var response = await _client.SendAsync(stale);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("If-Match", await response.Content.ReadAsStringAsync());
        var product = await stack.CatalogItemAsync(ProductId);
        Assert.Equal(version + 1, product.GetProperty("version").GetInt32());
        Assert.Equal(8.8m, product.GetProperty("price").GetDecimal());
    }

    private async Task<int> CatalogVersionAsync() => (await stack.CatalogItemAsync(ProductId)).GetProperty("version").GetInt32();

    private Task<HttpResponseMessage> PutAsync(string body, string contentType)
        => _client.PutAsync($"/api/products/{ProductId}/price", new StringContent(body, Encoding.UTF8, contentType));

    private static async Task AssertValidationProblemAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error for '{field}': {problem}");
    }
}
