using LoadGen.Metrics;

namespace LoadGen.Reporting;

/// <summary>The content of <c>results.json</c>: the machine and one summary per run.</summary>
/// <param name="Machine">Where, when and how the figures were measured.</param>
/// <param name="Runs">One summary per target, in the order they ran.</param>
public sealed record CompareReport(MachineInfo Machine, IReadOnlyList<RunSummary> Runs);
