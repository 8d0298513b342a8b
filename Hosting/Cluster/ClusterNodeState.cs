namespace Aspire.Hosting.ApplicationModel;

/// <summary>One node as the cluster sees it, plus what the manager knows about its process.</summary>
/// <param name="Id">The 40-character node id.</param>
/// <param name="Address">The client address, <c>127.0.0.1:port</c>.</param>
/// <param name="Role">Master or replica.</param>
/// <param name="MasterId">The master a replica follows; <c>null</c> for a master.</param>
/// <param name="Slots">The slot ranges it owns (masters only).</param>
/// <param name="SlotCount">The number of slots it owns.</param>
/// <param name="Keys">DBSIZE of the node, or <c>null</c> when it does not answer.</param>
/// <param name="LinkState"><c>connected</c> or <c>disconnected</c>, as its peers see the cluster bus link.</param>
/// <param name="ProcessId">The operating system process id, or <c>null</c> when its process is not running.</param>
/// <param name="Failed">Whether the cluster flags it <c>fail</c> or <c>fail?</c>.</param>
public sealed record ClusterNodeState(
    string Id,
    string Address,
    ClusterNodeRole Role,
    string? MasterId,
    IReadOnlyList<SlotRange> Slots,
    int SlotCount,
    long? Keys,
    string LinkState,
    int? ProcessId,
    bool Failed)
{
    /// <summary>The client port of the node.</summary>
    public int Port => int.Parse(Address[(Address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
