namespace Hosting.ApplicationModel;

/// <summary>A process resource that receives environment variables (references, <c>WithEnvironment</c>).</summary>
public interface IResourceWithEnvironment : IResource;
