namespace AppHost.Topologies;

/// <summary>The answer of <c>GET /api/topology</c>.</summary>
/// <param name="Current">The topology in use (null until the start topology is applied).</param>
/// <param name="WaitForReplicas">The WAIT setting in use.</param>
/// <param name="Switching">A switch is in progress (its target), or null.</param>
/// <param name="Available">Every topology with what it shows.</param>
/// <param name="LastSwitch">The last completed switch, or null.</param>
/// <param name="LastError">Why the last switch failed, or null.</param>
public sealed record TopologyStatus(string? Current, int WaitForReplicas, string? Switching, IReadOnlyList<Topology> Available, TopologySwitch? LastSwitch, string? LastError);
