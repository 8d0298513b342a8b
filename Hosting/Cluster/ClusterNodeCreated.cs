namespace Aspire.Hosting.ApplicationModel;

/// <summary>The answer of an operation that created a node.</summary>
/// <param name="NodeId">The 40-character node id.</param>
public sealed record ClusterNodeCreated(string NodeId);
