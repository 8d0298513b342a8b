using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TestServers;

namespace CatalogApi.FunctionalTests;

/// <summary>
/// CatalogApi on a PostgreSQL of its own that the tests kill and start again (not the collection's shared one).
/// </summary>
public sealed class DatabaseDownTests
{
    [Fact]
    public async Task WhenPostgresDiesRequestsAnswer503WithRetryAfterAndWhenItReturnsTheyAnswer200WithoutARestart()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var api = new CatalogApiFactory(await postgres.CreateDatabaseAsync("catalogdb"));
        using var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/catalog/items/5")).StatusCode);

        postgres.Crash();

        // The first requests try the database and find it gone; after a few the breaker answers without trying.
        var circuits = new List<string>();
        for (var i = 0; i < 50 && !circuits.Contains("open"); i++)
        {
            using var response = await client.GetAsync($"/api/catalog/items/{5 + i}");
            var problem = await AssertUnavailableAsync(response, postgres.Port);
            circuits.Add(problem.GetProperty("circuit").GetString()!);
        }
        Assert.True(circuits[0] == "closed" && circuits[^1] == "open", $"circuits: {string.Join(',', circuits)}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/api/catalog/items?pageSize=5")).StatusCode);
        // The stats do not need the database: LoadGen keeps reading them through the outage.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/catalog/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);

        await postgres.StartAgainAsync();

        using var back = await WaitForStatusAsync(client, "/api/catalog/items/5", HttpStatusCode.OK);
        Assert.Equal(5, (await back.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/catalog/items/5", new { stock = 7 })).StatusCode);
    }

    [Fact]
    public async Task AWriteWhilePostgresIsDownAnswers503ProblemAndLeavesTheRowUnchanged()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var api = new CatalogApiFactory(await postgres.CreateDatabaseAsync("catalogdb"));
        using var client = api.CreateClient();
        var before = await client.GetFromJsonAsync<JsonElement>("/api/catalog/items/9");

        postgres.Crash();

        // The first write reaches for the database (the breaker is closed), the later ones are refused by the
        // breaker: both answer 503 and write nothing.
        for (var i = 0; i < 10; i++)
        {
            using var write = await client.PutAsJsonAsync("/api/catalog/items/9", new { price = 77.77m });
            await AssertUnavailableAsync(write, postgres.Port);
        }

        await postgres.StartAgainAsync();

        using var back = await WaitForStatusAsync(client, "/api/catalog/items/9", HttpStatusCode.OK);
        var after = await back.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(before.GetProperty("version").GetInt32(), after.GetProperty("version").GetInt32());
        Assert.Equal(before.GetProperty("price").GetDecimal(), after.GetProperty("price").GetDecimal());
    }

    // 503, a Retry-After of at least a second, and a ProblemDetails naming the database and the cause.
    private static async Task<JsonElement> AssertUnavailableAsync(HttpResponseMessage response, int port)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"Retry-After: {response.Headers.RetryAfter}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The catalog database is unavailable.", problem.GetProperty("title").GetString());
        Assert.Contains($"127.0.0.1:{port}", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("Password", problem.ToString(), StringComparison.OrdinalIgnoreCase);
        return problem;
    }

    // Bounded: a minute of 503s after the server accepts connections again is a failure.
    private static async Task<HttpResponseMessage> WaitForStatusAsync(HttpClient client, string path, HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var response = await client.GetAsync(path);
            if (response.StatusCode == status)
            {
                return response;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{path} still answers {(int)response.StatusCode} a minute after the database came back: {await response.Content.ReadAsStringAsync()}");
            }
            response.Dispose();
            await Task.Delay(200);
        }
    }
}
