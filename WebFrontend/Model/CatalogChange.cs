namespace WebFrontend.Model;

/// <summary>A product CatalogApi says was written recently: its id and its version now.</summary>
public sealed record CatalogChange(int Id, int Version);
