namespace LoadGen.Lab;

/// <summary>The lab page's settings (<c>ControlApi:Url</c> and <c>LoadGen:Lab:*</c>).</summary>
public sealed class LabOptions
{
    /// <summary>The AppHost's control API, e.g. <c>http://127.0.0.1:18889</c> (env <c>ControlApi__Url</c>); null without an AppHost.</summary>
    public Uri? ControlApiUrl { get; set; }

    /// <summary>The Redis Cluster resource whose nodes the diagram shows and the operations act on.</summary>
    public string ClusterName { get; set; } = "cache-cluster";

    /// <summary>How often the current topology is read from the control API (a switch made from the dashboard).</summary>
    public TimeSpan TopologyPollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
