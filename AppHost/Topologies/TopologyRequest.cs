namespace AppHost.Topologies;

/// <summary>The body of <c>PUT /api/topology</c>.</summary>
/// <param name="Name">The topology to switch to (see <see cref="Topology.All"/>).</param>
/// <param name="WaitForReplicas">Cluster topologies only: Redis replicas that must confirm each invalidation (WAIT), 0 by default.</param>
public sealed record TopologyRequest(string? Name, int? WaitForReplicas);
