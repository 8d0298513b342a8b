using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CatalogApi.FunctionalTests;

/// <summary>The recent writes a web replica replays after a cache failover: <c>GET /api/catalog/items/changes</c>.</summary>
[Collection(CatalogCollection.Name)]
public sealed class ChangesTests(CatalogFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task TheChangesListNamesAProductJustWrittenWithItsNewVersionAndNotTheSeed()
    {
        using var write = await Client.PutAsJsonAsync("/api/catalog/items/4242", new { price = 42.42m });
        write.EnsureSuccessStatusCode();
        var version = (await write.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();

        var changes = await Client.GetFromJsonAsync<JsonElement>("/api/catalog/items/changes?seconds=600");
        var items = changes.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetInt32(), i => i.GetProperty("version").GetInt32());

        Assert.Equal(version, items[4242]);
        // The seed was written long before: only what tests wrote shows up.
        Assert.True(items.Count < 1_000, $"{items.Count} products listed as changed in the last 10 minutes");
    }

    [Theory]
    [InlineData("")]
    [InlineData("?seconds=0")]
    [InlineData("?seconds=3601")]
    [InlineData("?seconds=soon")]
    public async Task AWindowOutsideOneSecondToAnHourIsAValidationProblemNamingSeconds(string query)
    {
        using var response = await Client.GetAsync("/api/catalog/items/changes" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("seconds", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
