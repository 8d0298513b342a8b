namespace CatalogApi.Model;

/// <summary>The body of <c>POST /api/catalog/items</c>.</summary>
public sealed record CreateCatalogItemRequest(string? Name, string? Description, string? Brand, string? Type, decimal? Price, int? Stock);
