namespace Hosting.ApplicationModel;

/// <summary>Added with <c>WithHttpHealthCheck</c>: healthy while GET <paramref name="Path"/> answers 2xx.</summary>
public sealed record HttpHealthCheckAnnotation(string Path) : IResourceAnnotation;
