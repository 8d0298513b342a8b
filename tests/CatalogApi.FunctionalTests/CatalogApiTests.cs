using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace CatalogApi.FunctionalTests;

[Collection(CatalogCollection.Name)]
public sealed class CatalogApiTests(CatalogFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task SeedHasTenThousandProductsWithIdsOneToTenThousand()
    {
        var first = await Client.GetFromJsonAsync<JsonElement>("/api/catalog/items/1");
        var last = await Client.GetFromJsonAsync<JsonElement>("/api/catalog/items/10000");
        Assert.Equal(1, first.GetProperty("id").GetInt32());
        Assert.Equal(10000, last.GetProperty("id").GetInt32());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("name").GetString()));

        var page = await Client.GetFromJsonAsync<JsonElement>("/api/catalog/items?pageIndex=0&pageSize=100");
        Assert.True(page.GetProperty("count").GetInt64() >= 10_000);
        Assert.Equal(100, page.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task ThreeInstancesStartingAtOnceOnAnEmptyDatabaseSeedItOnce()
    {
        var connectionString = await fixture.CreateDatabaseAsync("race");
        var factories = Enumerable.Range(0, 3).Select(_ => new CatalogApiFactory(connectionString)).ToArray();
        try
        {
            // CreateClient starts the host, which applies the schema and seed before it serves.
            var clients = await Task.WhenAll(factories.Select(f => Task.Run(f.CreateClient)));
            foreach (var client in clients)
            {
                var page = await client.GetFromJsonAsync<JsonElement>("/api/catalog/items?pageSize=1");
                Assert.Equal(10_000, page.GetProperty("count").GetInt64());
            }
            var item = await clients[0].GetFromJsonAsync<JsonElement>("/api/catalog/items/42");
            var again = await clients[2].GetFromJsonAsync<JsonElement>("/api/catalog/items/42");
            Assert.Equal(item.GetProperty("name").GetString(), again.GetProperty("name").GetString());
        }
        finally
        {
            foreach (var factory in factories)
            {
                await factory.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task GetByIdReturnsTheVersionInTheBodyAndTheETag()
    {
        using var response = await Client.GetAsync("/api/catalog/items/7");
        response.EnsureSuccessStatusCode();
        var item = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"\"{item.GetProperty("version").GetInt32()}\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task UpdatingThePriceIncrementsTheVersion()
    {
        var before = await GetAsync(11);
        using var response = await Client.PutAsJsonAsync("/api/catalog/items/11", new { price = 12.34m });
        response.EnsureSuccessStatusCode();
        var after = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(12.34m, after.GetProperty("price").GetDecimal());
        Assert.Equal(before.GetProperty("version").GetInt32() + 1, after.GetProperty("version").GetInt32());
        Assert.Equal($"\"{after.GetProperty("version").GetInt32()}\"", response.Headers.ETag?.Tag);
        Assert.Equal(after.GetProperty("version").GetInt32(), (await GetAsync(11)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task UpdatingWithTheCurrentIfMatchSucceedsAndWithAStaleOneAnswers412AndWritesNothing()
    {
        var version = (await GetAsync(12)).GetProperty("version").GetInt32();

        using var current = Put("/api/catalog/items/12", """{"stock": 5}""", ifMatch: $"\"{version}\"");
        using var ok = await Client.SendAsync(current);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var stale = Put("/api/catalog/items/12", """{"price": 1.00}""", ifMatch: $"\"{version}\"");
        using var rejected = await Client.SendAsync(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, rejected.StatusCode);
        var problem = await rejected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("If-Match", problem.GetProperty("detail").GetString());

        var after = await GetAsync(12);
        Assert.Equal(version + 1, after.GetProperty("version").GetInt32());
        Assert.NotEqual(1.00m, after.GetProperty("price").GetDecimal());
    }

    [Fact]
    public async Task ConcurrentUpdatesWithoutIfMatchEachBumpTheVersionOrAnswer409()
    {
        var version = (await GetAsync(13)).GetProperty("version").GetInt32();
        var responses = await Task.WhenAll(Enumerable.Range(1, 10).Select(i => Client.PutAsJsonAsync("/api/catalog/items/13", new { stock = i })));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        var applied = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.True(applied >= 1);
        Assert.Equal(version + applied, (await GetAsync(13)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task CreatedProductsCanBeReadAndDeleted()
    {
        using var created = await Client.PostAsJsonAsync("/api/catalog/items", new { name = "Test mug", brand = "Contoso", type = "Mug", price = 9.99m, stock = 3 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var item = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = item.GetProperty("id").GetInt32();
        Assert.True(id > 10_000);
        Assert.Equal(1, item.GetProperty("version").GetInt32());
        Assert.Equal($"/api/catalog/items/{id}", created.Headers.Location?.OriginalString);

        Assert.Equal("Test mug", (await GetAsync(id)).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/catalog/items/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/catalog/items/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync($"/api/catalog/items/{id}")).StatusCode);
    }

    [Fact]
    public async Task ListFiltersByBrandTypeAndNameAndPages()
    {
        var page = await Client.GetFromJsonAsync<JsonElement>("/api/catalog/items?brand=Contoso&type=Mug&pageSize=50");
        var items = page.GetProperty("data").EnumerateArray().ToArray();
        Assert.NotEmpty(items);
        Assert.All(items, i => Assert.Equal("Contoso", i.GetProperty("brand").GetString()));
        Assert.All(items, i => Assert.Equal("Mug", i.GetProperty("type").GetString()));

        var byName = await Client.GetFromJsonAsync<JsonElement>("/api/catalog/items?name=9999");
        Assert.Contains(byName.GetProperty("data").EnumerateArray(), i => i.GetProperty("id").GetInt32() == 9999);

        var second = await Client.GetFromJsonAsync<JsonElement>("/api/catalog/items?pageIndex=1&pageSize=10");
        Assert.Equal(11, second.GetProperty("data")[0].GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task StatsCountItemReadsListReadsAndWrites()
    {
        var before = await Client.GetFromJsonAsync<JsonElement>("/api/catalog/stats");
        await Client.GetAsync("/api/catalog/items/21");
        await Client.GetAsync("/api/catalog/items/22");
        await Client.GetAsync("/api/catalog/items?pageSize=1");
        (await Client.PutAsJsonAsync("/api/catalog/items/21", new { stock = 1 })).EnsureSuccessStatusCode();
        var after = await Client.GetFromJsonAsync<JsonElement>("/api/catalog/stats");

        Assert.Equal(2, after.GetProperty("itemReads").GetInt64() - before.GetProperty("itemReads").GetInt64());
        Assert.Equal(1, after.GetProperty("listReads").GetInt64() - before.GetProperty("listReads").GetInt64());
        Assert.Equal(1, after.GetProperty("writes").GetInt64() - before.GetProperty("writes").GetInt64());
    }

    [Theory]
    [InlineData("abc", "id")]
    [InlineData("-5", "id")]
    [InlineData("0", "id")]
    public async Task AnIdThatIsNotAPositiveIntegerIsABadRequestNamingTheId(string id, string field)
    {
        using var get = await Client.GetAsync($"/api/catalog/items/{id}");
        await AssertValidationProblemAsync(get, field);
        using var put = await Client.PutAsJsonAsync($"/api/catalog/items/{id}", new { price = 1m });
        await AssertValidationProblemAsync(put, field);
    }

    [Theory]
    [InlineData("""{"price": -1}""", "price")]
    [InlineData("""{"price": 1.234}""", "price")]
    [InlineData("""{"price": 1000000.01}""", "price")]
    [InlineData("""{"stock": -3}""", "stock")]
    [InlineData("""{}""", "price")]
    public async Task AnInvalidUpdateIsABadRequestNamingTheFieldAndWritesNothing(string body, string field)
    {
        var before = await GetAsync(31);
        using var request = Put("/api/catalog/items/31", body);
        using var response = await Client.SendAsync(request);
        await AssertValidationProblemAsync(response, field);
        Assert.Equal(before.GetProperty("version").GetInt32(), (await GetAsync(31)).GetProperty("version").GetInt32());
    }

    [Theory]
    [InlineData("", "application/json", HttpStatusCode.BadRequest, "body")]
    [InlineData("""{"price": 2.5, "color": "red"}""", "application/json", HttpStatusCode.BadRequest, "color")]
    [InlineData("""{"price": "cheap"}""", "application/json", HttpStatusCode.BadRequest, "price")]
    [InlineData("""{"price": 1, "price": 2}""", "application/json", HttpStatusCode.BadRequest, "duplicate")]
    [InlineData("""{"price": 2.5}""", "text/plain", HttpStatusCode.UnsupportedMediaType, "JSON")]
    public async Task AMalformedBodyIsAProblemSayingWhyAndWritesNothing(string body, string contentType, HttpStatusCode status, string reason)
    {
        var before = await GetAsync(32);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/catalog/items/32") { Content = new StringContent(body, Encoding.UTF8, contentType) };
        using var response = await Client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before.GetProperty("version").GetInt32(), (await GetAsync(32)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task AOneMegabyteBodyIsRejectedAndWritesNothing()
    {
        var before = await GetAsync(33);
        var body = "{\"price\": 3.5, \"padding\": \"" + new string('x', 1024 * 1024) + "\"}";
        using var request = Put("/api/catalog/items/33", body);
        using var response = await Client.SendAsync(request);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge });
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before.GetProperty("version").GetInt32(), (await GetAsync(33)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task AnIfMatchThatNamesNoVersionIsABadRequest()
    {
        using var request = Put("/api/catalog/items/34", """{"price": 3.5}""", ifMatch: "\"banana\"");
        using var response = await Client.SendAsync(request);
        await AssertValidationProblemAsync(response, "If-Match");
    }

    [Fact]
    public async Task AnUnknownIdIsNotFound()
    {
        using var get = await Client.GetAsync("/api/catalog/items/99999999");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        using var put = await Client.PutAsJsonAsync("/api/catalog/items/99999999", new { price = 1m });
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
    }

    [Fact]
    public async Task HealthIsHealthyWithTheDatabaseUp()
    {
        Assert.Equal("Healthy", await Client.GetStringAsync("/health"));
        Assert.Equal("Healthy", await Client.GetStringAsync("/alive"));
    }

    private async Task<JsonElement> GetAsync(int id) => await Client.GetFromJsonAsync<JsonElement>($"/api/catalog/items/{id}");

    private static HttpRequestMessage Put(string url, string json, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return request;
    }

    private static async Task AssertValidationProblemAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error for '{field}': {problem}");
    }
}
