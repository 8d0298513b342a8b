namespace Hosting.ApplicationModel;

/// <summary>
/// A listening endpoint of a resource. <see cref="Port"/> is the requested port (null: a free one is chosen);
/// <see cref="EnvironmentVariable"/>, when set, tells an executable which port to listen on.
/// </summary>
public sealed record EndpointAnnotation(string Scheme, int? Port = null, string? EnvironmentVariable = null) : IResourceAnnotation;
