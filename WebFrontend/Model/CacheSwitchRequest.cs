namespace WebFrontend.Model;

/// <summary>The body of <c>PUT /admin/cache</c>.</summary>
/// <param name="Cache">The <c>ConnectionStrings</c> entry to use (e.g. <c>cache-cluster</c>), or null / empty for none.</param>
/// <param name="NearCache"><c>none</c> (default), <c>coherent</c> or <c>tracking</c>; needs a cache.</param>
/// <param name="WaitForReplicas">0 (default) or the number of Redis replicas that must confirm each invalidation.</param>
public sealed record CacheSwitchRequest(string? Cache, string? NearCache, int? WaitForReplicas);
