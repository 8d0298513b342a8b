using System.Text.Json.Serialization;

namespace LoadGen.Running;

/// <summary>Where a run is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunState>))]
public enum RunState
{
    /// <summary>No run yet.</summary>
    [JsonStringEnumMemberName("idle")]
    Idle,

    /// <summary>Sending traffic that is not counted yet.</summary>
    [JsonStringEnumMemberName("warmup")]
    Warmup,

    /// <summary>Sending and measuring.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>The duration elapsed.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Stopped before the end (or a run without duration was stopped).</summary>
    [JsonStringEnumMemberName("stopped")]
    Stopped,
}
