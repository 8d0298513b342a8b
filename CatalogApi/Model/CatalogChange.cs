namespace CatalogApi.Model;

/// <summary>A product written recently: its id and its version now.</summary>
public sealed record CatalogChange(int Id, int Version);
