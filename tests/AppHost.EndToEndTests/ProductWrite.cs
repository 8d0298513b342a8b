namespace AppHost.EndToEndTests;

/// <summary>One acknowledged write: the new version and <c>X-Cache-Invalidation</c>.</summary>
public sealed record ProductWrite(int Version, string Invalidation);
