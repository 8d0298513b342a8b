namespace Aspire.Hosting.ApplicationModel;

/// <summary>Fault injection for <see cref="RedisClusterOperations.KillMasterAsync(string, string?, KillMasterFault, CancellationToken)"/>: what else goes wrong besides the kill.</summary>
public enum KillMasterFault
{
    /// <summary>Only the kill: the node can be restarted with its node file.</summary>
    None,

    /// <summary>
    /// After the kill the node's file (<c>nodes.conf</c>) is overwritten with garbage, as a disk would corrupt it, so
    /// <c>redis-server</c> refuses to start that node ("corrupted cluster config file"): self-healing must replace it
    /// with a spare node.
    /// </summary>
    RestartFails,
}
