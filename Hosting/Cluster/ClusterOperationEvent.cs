namespace Aspire.Hosting.ApplicationModel;

/// <summary>One step of a cluster operation, as shown in the dashboard and the log.</summary>
/// <param name="Operation">The operation, e.g. <c>AddMaster</c>.</param>
/// <param name="Step">A short step name, e.g. <c>start</c>, <c>join</c>, <c>migrate</c>, <c>done</c>, <c>failed</c>.</param>
/// <param name="Message">What happened, for people.</param>
/// <param name="Time">When it happened (UTC).</param>
public sealed record ClusterOperationEvent(string Operation, string Step, string Message, DateTimeOffset Time);
