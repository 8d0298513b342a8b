namespace LoadGen.Lab;

/// <summary>A vertical line on the charts: a topology switch or a cluster operation.</summary>
/// <param name="Id">Increasing; the page uses it to update a marker whose operation ended.</param>
/// <param name="Time">When it began, in Unix milliseconds.</param>
/// <param name="Kind"><c>switch</c> or <c>operation</c>.</param>
/// <param name="Label">What it is, e.g. <c>→ naive</c> or <c>add master</c>.</param>
/// <param name="Outcome"><c>running</c>, <c>done</c> or <c>failed</c>.</param>
/// <param name="Detail">How long it took, or why it failed.</param>
/// <param name="EndTime">When it ended, in Unix milliseconds (null while running).</param>
public sealed record LabMarker(long Id, long Time, string Kind, string Label, string Outcome, string? Detail, long? EndTime = null);
