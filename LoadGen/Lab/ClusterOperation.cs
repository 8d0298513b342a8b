namespace LoadGen.Lab;

/// <summary>The cluster operations the page offers, as the AppHost's cluster API runs them.</summary>
public enum ClusterOperation
{
    /// <summary>Starts a spare node, joins it as a master and rebalances slots onto it.</summary>
    AddMaster,

    /// <summary>Starts a spare node as a replica (of the given master, or the one with the fewest replicas).</summary>
    AddReplica,

    /// <summary>Migrates the node's slots away, forgets it and stops it (needs a node id).</summary>
    RemoveNode,

    /// <summary>Kills a master (the given one, or any) and waits for its replica to take over.</summary>
    KillMaster,

    /// <summary>Restarts a stopped or killed node (needs a node id).</summary>
    RestartNode,

    /// <summary>Back to the initial 3 masters + 3 replicas, empty.</summary>
    Reset,
}
