using LoadGen.Metrics;
using LoadGen.Workloads;

namespace LoadGen.Running;

/// <summary>The live view of a run: its state, the last seconds, and the measured window so far.</summary>
/// <param name="State">Where the run is.</param>
/// <param name="Workload">The workload being run (null when idle).</param>
/// <param name="ElapsedSeconds">Seconds since the run started, warm-up included.</param>
/// <param name="LastSeconds">The most recent seconds, oldest first.</param>
/// <param name="Run">The measured window so far (null before the warm-up ends).</param>
public sealed record LiveStats(
    RunState State,
    Workload? Workload,
    double ElapsedSeconds,
    IReadOnlyList<SecondStats> LastSeconds,
    RunSummary? Run);
