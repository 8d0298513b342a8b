namespace CatalogApi.Model;

/// <summary>The products written since <see cref="Since"/> (the answer of <c>GET /api/catalog/items/changes</c>).</summary>
/// <param name="Since">The start of the window, by CatalogApi's clock.</param>
/// <param name="Items">Each product's id and its version now.</param>
public sealed record CatalogChanges(DateTimeOffset Since, IReadOnlyList<CatalogChange> Items);
