namespace AppHost.Topologies;

/// <summary>The result of <c>PUT /api/topology</c>: what was switched, how long it took, and its steps.</summary>
/// <param name="From">The topology before.</param>
/// <param name="To">The topology now.</param>
/// <param name="WaitForReplicas">The WAIT setting sent to the replicas.</param>
/// <param name="ElapsedMilliseconds">The whole switch.</param>
/// <param name="Steps">Every step, in order.</param>
public sealed record TopologySwitch(string? From, string To, int WaitForReplicas, double ElapsedMilliseconds, IReadOnlyList<TopologyStep> Steps);
