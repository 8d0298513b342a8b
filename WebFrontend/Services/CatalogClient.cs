using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Services;

/// <summary>The HTTP client of CatalogApi, addressed as <c>http://catalogapi</c> (resolved by service discovery).</summary>
public sealed class CatalogClient(HttpClient http)
{
    /// <summary>One product, or null when CatalogApi does not know the id.</summary>
    public async Task<Product?> GetItemAsync(int id, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"/api/catalog/items/{id}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await CatalogUnavailableException.ThrowIfUnavailableAsync(response, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<Product>(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The longest look back CatalogApi's changes list allows, in seconds.</summary>
    public const int MaxChangesSeconds = 3600;

    /// <summary>The id and current version of every product written in the last <paramref name="seconds"/> seconds.</summary>
    public async Task<IReadOnlyList<CatalogChange>> GetChangesAsync(int seconds, CancellationToken cancellationToken)
    {
        var changes = await http.GetFromJsonAsync<ChangesBody>($"/api/catalog/items/changes?seconds={seconds}", cancellationToken).ConfigureAwait(false);
        return changes?.Items ?? throw new InvalidOperationException("CatalogApi returned an empty changes body.");
    }

    private sealed record ChangesBody(IReadOnlyList<CatalogChange>? Items);

    /// <summary>One page of the list.</summary>
    public async Task<ProductPage> GetItemsAsync(int pageIndex, int pageSize, CancellationToken cancellationToken)
        => await http.GetFromJsonAsync<ProductPage>($"/api/catalog/items?pageIndex={pageIndex}&pageSize={pageSize}", cancellationToken).ConfigureAwait(false)
           ?? throw new InvalidOperationException("CatalogApi returned an empty list body.");

    /// <summary>Sets the price; <paramref name="ifMatch"/> (an ETag) makes the write conditional on that version.</summary>
    public async Task<CatalogResponse> UpdatePriceAsync(int id, decimal price, string? ifMatch, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/catalog/items/{id}")
        {
            Content = JsonContent.Create(new { price }),
        };
        if (!string.IsNullOrWhiteSpace(ifMatch))
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return new((int)response.StatusCode, await response.Content.ReadFromJsonAsync<Product>(cancellationToken).ConfigureAwait(false), null);
        }
        await CatalogUnavailableException.ThrowIfUnavailableAsync(response, cancellationToken).ConfigureAwait(false);
        var problem = response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json"
            ? await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken).ConfigureAwait(false)
            : null;
        return new((int)response.StatusCode, null, problem);
    }
}
