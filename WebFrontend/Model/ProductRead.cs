namespace WebFrontend.Model;

/// <summary>The result of a read: the product (null when it does not exist) and where it came from.</summary>
public readonly record struct ProductRead(Product? Product, CacheStatus Cache);
