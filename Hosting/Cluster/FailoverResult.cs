namespace Aspire.Hosting.ApplicationModel;

/// <summary>What <see cref="RedisClusterManager.KillMasterAsync"/> observed.</summary>
/// <param name="KilledNodeId">The master that was killed with SIGKILL.</param>
/// <param name="PromotedNodeId">The replica that took over its slots.</param>
/// <param name="Elapsed">From the kill until the replica was master and every running node said <c>cluster_state:ok</c>.</param>
public sealed record FailoverResult(string KilledNodeId, string PromotedNodeId, TimeSpan Elapsed);
