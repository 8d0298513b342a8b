namespace WebFrontend.Model;

/// <summary>The body of <c>PUT /admin/cache</c>.</summary>
/// <param name="ConnectionString">The cache to use (<c>host:port[,...],password=...</c>), or null / empty for none.</param>
/// <param name="NearCache"><c>none</c> (default), <c>coherent</c> or <c>tracking</c>; needs a connection string.</param>
/// <param name="WaitForReplicas">0 (default) or the number of Redis replicas that must confirm each invalidation.</param>
public sealed record CacheSwitchRequest(string? ConnectionString, string? NearCache, int? WaitForReplicas);
