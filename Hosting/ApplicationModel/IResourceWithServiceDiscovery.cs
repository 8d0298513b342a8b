namespace Hosting.ApplicationModel;

/// <summary>A resource with an HTTP endpoint that others find through <c>services__{name}__http__{i}</c>.</summary>
public interface IResourceWithServiceDiscovery : IResource;
