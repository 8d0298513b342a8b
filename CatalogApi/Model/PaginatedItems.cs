namespace CatalogApi.Model;

/// <summary>One page of a list: <paramref name="Count"/> is the number of items matching the filters, all pages together.</summary>
public sealed record PaginatedItems<T>(int PageIndex, int PageSize, long Count, IReadOnlyList<T> Data);
