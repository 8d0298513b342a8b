using System.Net;
using System.Text.RegularExpressions;

namespace WebFrontend.FunctionalTests;

[Collection(StackCollection.Name)]
public sealed partial class StorefrontTests(StackFixture stack)
{
    [Fact]
    public async Task TheHomePageListsProductsWithPaging()
    {
        await using var replica = stack.Replica("webfrontend-2");
        using var client = replica.CreateClient();

        using var response = await client.GetAsync("/?pageIndex=1");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("webfrontend-2", response.ServedBy());
        Assert.Contains("href=\"/products/21\"", html);
        Assert.Contains("href=\"/?pageIndex=2\"", html);
        Assert.Contains("webfrontend-2", html);
    }

    [Fact]
    public async Task TheProductPageShowsPriceAndVersionAndItsFormChangesThePrice()
    {
        await using var replica = stack.Replica("webfrontend-1");
        using var client = replica.CreateClient();
        var page = await client.GetStringAsync("/products/301");
        var version = int.Parse(VersionCell().Match(page).Groups[1].Value);
        var token = TokenField().Match(page).Groups[1].Value;
        Assert.NotEmpty(token);

        using var post = await client.PostAsync("/products/301", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["price"] = "77.70",
            ["version"] = version.ToString(),
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        var after = await post.Content.ReadAsStringAsync();

        Assert.Equal("77.70", PriceCell().Match(after).Groups[1].Value);
        Assert.Equal(version + 1, int.Parse(VersionCell().Match(after).Groups[1].Value));
        Assert.Equal(77.70m, (await stack.CatalogItemAsync(301)).GetProperty("price").GetDecimal());
    }

    [Fact]
    public async Task ARefusedPriceOnTheProductPageSaysWhyAndWritesNothing()
    {
        await using var replica = stack.Replica("webfrontend-1");
        using var client = replica.CreateClient();
        var page = await client.GetStringAsync("/products/302");
        var version = int.Parse(VersionCell().Match(page).Groups[1].Value);
        var token = TokenField().Match(page).Groups[1].Value;

        using var post = await client.PostAsync("/products/302", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["price"] = "-4",
            ["version"] = version.ToString(),
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Contains("must not be negative", await post.Content.ReadAsStringAsync());
        Assert.Equal(version, (await stack.CatalogItemAsync(302)).GetProperty("version").GetInt32());
    }

    [GeneratedRegex("id=\"version\">(\\d+)<")]
    private static partial Regex VersionCell();

    [GeneratedRegex("id=\"price\">([0-9.]+)<")]
    private static partial Regex PriceCell();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
