namespace WebFrontend.Model;

/// <summary>The answer of <c>GET</c> and <c>PUT /admin/cache</c>: the cache this replica uses now.</summary>
/// <param name="Instance">The replica (<c>REPLICA_NAME</c>).</param>
/// <param name="Cache">The <c>ConnectionStrings</c> entry in use, or null for none.</param>
/// <param name="Configuration">Its endpoints and options with the password left out, or null for none.</param>
/// <param name="NearCache">none, coherent or tracking.</param>
/// <param name="WaitForReplicas">Replicas that must confirm each invalidation.</param>
/// <param name="PingMilliseconds">The PING round trip that proved the new connection (PUT only).</param>
/// <param name="Configured">Every cache this replica can switch to.</param>
public sealed record CacheSwitchResult(
    string Instance,
    string? Cache,
    string? Configuration,
    string NearCache,
    int WaitForReplicas,
    double? PingMilliseconds,
    IReadOnlyList<string> Configured);
