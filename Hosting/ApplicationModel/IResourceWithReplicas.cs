namespace Hosting.ApplicationModel;

/// <summary>A stateless resource that can run as several identical processes.</summary>
public interface IResourceWithReplicas : IResourceWithEnvironment;
