namespace AppHost.Topologies;

/// <summary>
/// One cache topology of the sample (see DESIGN.md): which cache each web replica uses, whether the load balancer
/// pins clients with a cookie, and whether replicas keep a near cache.
/// </summary>
/// <param name="Name">The name used on the command line and in the API (<c>single</c>, <c>cluster-near</c>, ...).</param>
/// <param name="Description">What it shows.</param>
/// <param name="Cache">Which cache resources the replicas use.</param>
/// <param name="Sticky">Cookie stickiness in the load balancer.</param>
/// <param name="NearCache">The near cache mode sent to the replicas (<c>none</c>, <c>coherent</c>, <c>tracking</c>).</param>
public sealed record Topology(string Name, string Description, TopologyCache Cache, bool Sticky, string NearCache)
{
    /// <summary>Every topology, in the order of the article's journey.</summary>
    public static IReadOnlyList<Topology> All { get; } =
    [
        new("none", "no cache: every read goes to CatalogApi and PostgreSQL (the baseline)", TopologyCache.None, false, "none"),
        new("single", "one shared Redis (the first cache server)", TopologyCache.Single, false, "none"),
        new("naive", "replica i uses its own Redis i: stale reads after writes through another replica", TopologyCache.PerReplica, false, "none"),
        new("naive-sticky", "as naive, with LB cookie stickiness: a client sees its own writes, not others'", TopologyCache.PerReplica, true, "none"),
        new("cluster", "Redis Cluster, 3 masters + 3 replicas, created automatically", TopologyCache.Cluster, false, "none"),
        new("cluster-near", "the cluster plus a coherent near cache in each replica: local reads, never stale", TopologyCache.Cluster, false, "coherent"),
        new("soss", "an installed ScaleOut StateServer through its Redis-protocol endpoint (the article's alternative)", TopologyCache.Soss, false, "none"),
    ];

    /// <summary>The topology called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static Topology? Find(string? name)
        => All.FirstOrDefault(t => string.Equals(t.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The names, for error messages.</summary>
    public static string Names => string.Join(", ", All.Select(t => t.Name));
}
