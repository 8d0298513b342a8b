namespace Hosting.Cluster;

/// <summary>How a <see cref="RedisClusterManager"/> builds its cluster.</summary>
public sealed record RedisClusterOptions
{
    /// <summary>The number of masters created (at least 3, as Redis Cluster requires).</summary>
    public int Masters { get; init; } = 3;

    /// <summary>The number of replicas per master (0 or more).</summary>
    public int ReplicasPerMaster { get; init; } = 1;

    /// <summary>
    /// <c>cluster-node-timeout</c>: how long a node may be unreachable before it is failed over.
    /// Lower than Redis' 15 s default so a failover can be watched.
    /// </summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The folder for node files (one subfolder per port); a temp folder when <c>null</c>.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The password of every node; generated when <c>null</c>.</summary>
    public string? Password { get; init; }

    /// <summary>The <c>redis-server</c> executable (found on PATH by default).</summary>
    public string RedisServerPath { get; init; } = "redis-server";

    /// <summary>The <c>redis-cli</c> executable (found on PATH by default).</summary>
    public string RedisCliPath { get; init; } = "redis-cli";

    /// <summary>How long an operation may wait for the cluster to agree before it fails.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The number of output lines kept per node process.</summary>
    public int LogLinesPerNode { get; init; } = 500;
}
