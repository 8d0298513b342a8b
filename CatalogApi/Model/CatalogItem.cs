namespace CatalogApi.Model;

/// <summary>A product of the catalog: one row of the <c>products</c> table.</summary>
public sealed class CatalogItem
{
    /// <summary>The product id (1..10000 for the seed).</summary>
    public int Id { get; set; }

    /// <summary>The display name.</summary>
    public required string Name { get; set; }

    /// <summary>A longer text for the product page.</summary>
    public string Description { get; set; } = "";

    /// <summary>The brand, used as a list filter.</summary>
    public required string Brand { get; set; }

    /// <summary>The product type, used as a list filter.</summary>
    public required string Type { get; set; }

    /// <summary>The price, two decimals at most.</summary>
    public decimal Price { get; set; }

    /// <summary>Units available.</summary>
    public int Stock { get; set; }

    /// <summary>Incremented by every update; also the ETag, so a reader can tell a stale copy.</summary>
    public int Version { get; set; }

    /// <summary>When the row was last written.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}
