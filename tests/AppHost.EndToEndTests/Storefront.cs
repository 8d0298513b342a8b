using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace AppHost.EndToEndTests;

/// <summary>Reads and price writes of products through a web replica or the load balancer.</summary>
public static class Storefront
{
    /// <summary>GET /api/products/{id}: the version read, X-Cache and X-Served-By.</summary>
    public static async Task<ProductRead> ReadAsync(HttpClient client, int id)
    {
        using var response = await client.GetAsync($"/api/products/{id}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET product {id} answered {(int)response.StatusCode}: {body}");
        var version = JsonDocument.Parse(body).RootElement.GetProperty("version").GetInt32();
        return new ProductRead(version, Header(response, "X-Cache"), Header(response, "X-Served-By"));
    }

    /// <summary>PUT /api/products/{id}/price: the new version and X-Cache-Invalidation.</summary>
    public static async Task<ProductWrite> WriteAsync(HttpClient client, int id, decimal price)
    {
        using var response = await client.PutAsJsonAsync($"/api/products/{id}/price", new { price });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT product {id} price answered {(int)response.StatusCode}: {body}");
        var version = JsonDocument.Parse(body).RootElement.GetProperty("version").GetInt32();
        return new ProductWrite(version, Header(response, "X-Cache-Invalidation"));
    }

    /// <summary>A price that differs per call, so every write is a real change.</summary>
    public static decimal Price(int n) => 10m + decimal.Parse((n % 100_000 / 100.0).ToString("0.00", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : "";
}
