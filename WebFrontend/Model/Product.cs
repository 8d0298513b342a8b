namespace WebFrontend.Model;

/// <summary>A product as CatalogApi returns it and as the cache stores it (JSON, UTF-8).</summary>
public sealed record Product(
    int Id,
    string Name,
    string Description,
    string Brand,
    string Type,
    decimal Price,
    int Stock,
    int Version,
    DateTimeOffset UpdatedAt);
