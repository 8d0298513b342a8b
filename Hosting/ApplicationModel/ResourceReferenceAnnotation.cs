namespace Hosting.ApplicationModel;

/// <summary>A reference added with <c>WithReference</c>: the target's connection string or endpoints are injected.</summary>
public sealed record ResourceReferenceAnnotation(IResource Resource) : IResourceAnnotation;
