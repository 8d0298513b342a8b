namespace CatalogApi.FunctionalTests;

/// <summary>The tests sharing <see cref="CatalogFixture"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class CatalogCollection : ICollectionFixture<CatalogFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "catalog";
}
