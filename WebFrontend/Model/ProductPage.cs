namespace WebFrontend.Model;

/// <summary>One page of the catalog list, as CatalogApi returns it.</summary>
public sealed record ProductPage(int PageIndex, int PageSize, long Count, IReadOnlyList<Product> Data);
