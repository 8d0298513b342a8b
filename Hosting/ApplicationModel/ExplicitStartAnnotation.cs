namespace Hosting.ApplicationModel;

/// <summary>
/// Added with <c>WithExplicitStart</c>: the resource is not started with the application but on request
/// (<c>DistributedApplication.StartResourceAsync</c>, or <c>StartRedisClusterAsync</c> for a cluster), e.g. the
/// caches of a topology that is not in use yet.
/// </summary>
public sealed record ExplicitStartAnnotation : IResourceAnnotation;
