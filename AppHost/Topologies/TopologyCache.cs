using System.Text.Json.Serialization;

namespace AppHost.Topologies;

/// <summary>Which cache resources a topology points the web replicas at.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TopologyCache>))]
public enum TopologyCache
{
    /// <summary>No cache.</summary>
    None,

    /// <summary>One Redis shared by every replica (<c>cache</c>).</summary>
    Single,

    /// <summary>One Redis per replica (<c>cache-naive-i</c>).</summary>
    PerReplica,

    /// <summary>The Redis Cluster (<c>cache-cluster</c>).</summary>
    Cluster,

    /// <summary>An installed ScaleOut StateServer through its Redis-protocol endpoint (<c>soss</c>), external to the sample.</summary>
    Soss,
}
