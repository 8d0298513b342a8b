using System.Text.Json.Serialization;

namespace LoadGen.Workloads;

/// <summary>How LoadGen paces its requests.</summary>
public enum LoadMode
{
    /// <summary>
    /// Requests are scheduled at a target rate whatever the system does; latency is measured from each request's
    /// intended start, so queueing behind a slow server shows up instead of being hidden (coordinated omission).
    /// </summary>
    [JsonStringEnumMemberName("open")]
    Open,

    /// <summary>Each virtual client sends its next request as soon as the previous one completes.</summary>
    [JsonStringEnumMemberName("closed")]
    Closed,
}
