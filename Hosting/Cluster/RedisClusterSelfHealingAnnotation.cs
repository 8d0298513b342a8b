namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Whether the cluster heals itself when a node's process dies without a stop request (on when the annotation is
/// absent). Set with <c>WithSelfHealing</c>.
/// </summary>
/// <param name="Enabled">False: a dead node stays dead until someone restarts or removes it (the article's world).</param>
public sealed record RedisClusterSelfHealingAnnotation(bool Enabled) : IResourceAnnotation;
