namespace CatalogApi.Model;

/// <summary>The body of <c>PUT /api/catalog/items/{id}</c>: the price, the stock, or both.</summary>
public sealed record UpdateCatalogItemRequest(decimal? Price, int? Stock);
