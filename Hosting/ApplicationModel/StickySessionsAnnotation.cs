namespace Hosting.ApplicationModel;

/// <summary>Added with <c>WithStickySessions</c>: the load balancer pins a client to a replica with a cookie.</summary>
public sealed record StickySessionsAnnotation(string CookieName) : IResourceAnnotation;
