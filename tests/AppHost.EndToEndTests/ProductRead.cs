namespace AppHost.EndToEndTests;

/// <summary>One read: the product's version, <c>X-Cache</c> and <c>X-Served-By</c>.</summary>
public sealed record ProductRead(int Version, string Cache, string ServedBy);
