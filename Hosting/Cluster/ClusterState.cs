using System.Text.Json.Serialization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>A snapshot of the whole cluster.</summary>
/// <param name="Ok">Whether every running node reports <c>cluster_state:ok</c>.</param>
/// <param name="SlotsCovered">How many of the 16384 slots have an owner.</param>
/// <param name="Nodes">Every node, masters first, ordered by their first slot.</param>
public sealed record ClusterState(bool Ok, int SlotsCovered, IReadOnlyList<ClusterNodeState> Nodes)
{
    /// <summary>The masters.</summary>
    [JsonIgnore]
    public IEnumerable<ClusterNodeState> Masters => Nodes.Where(n => n.Role == ClusterNodeRole.Master);

    /// <summary>The replicas.</summary>
    [JsonIgnore]
    public IEnumerable<ClusterNodeState> Replicas => Nodes.Where(n => n.Role == ClusterNodeRole.Replica);
}
