namespace Aspire.Hosting.ApplicationModel;

/// <summary>One step of a rebalance plan: move the slots of <paramref name="Range"/> from one master to another.</summary>
/// <param name="Range">The contiguous slots to move.</param>
/// <param name="SourceId">The node id of the master that owns the slots now.</param>
/// <param name="TargetId">The node id of the master that will own them.</param>
public sealed record SlotMove(SlotRange Range, string SourceId, string TargetId);
