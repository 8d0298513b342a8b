namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Marks a resource whose own hosting integration decides what happens when its process dies (restart it, replace
/// it, or, with its healing turned off, leave it down): a generic restarter of dead resources must leave it alone,
/// or it would restart a node before its cluster has failed it over, or undo a "healing off".
/// </summary>
/// <param name="Integration">Who heals it, for people reading the model, e.g. <c>RedisCluster</c>.</param>
public sealed record HealedByIntegrationAnnotation(string Integration) : IResourceAnnotation;
