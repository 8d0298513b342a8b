namespace WebFrontend.Model;

/// <summary>The answer of <c>GET</c> and <c>PUT /admin/cache</c>: the cache this replica uses now.</summary>
/// <param name="Instance">The replica (<c>APP_INSTANCE</c>).</param>
/// <param name="Configuration">The configuration string with its password hidden, or null for none.</param>
/// <param name="NearCache">none, coherent or tracking.</param>
/// <param name="WaitForReplicas">Replicas that must confirm each invalidation.</param>
/// <param name="PingMilliseconds">The PING round trip that proved the new connection healthy (null for none).</param>
public sealed record CacheSwitchResult(string Instance, string? Configuration, string NearCache, int WaitForReplicas, double? PingMilliseconds);
