using System.Text.Json.Serialization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>The role of a node in the cluster.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClusterNodeRole>))]
public enum ClusterNodeRole
{
    /// <summary>Owns slots (or may own them) and takes writes.</summary>
    Master,

    /// <summary>Replicates a master and can be promoted when it fails.</summary>
    Replica,
}
