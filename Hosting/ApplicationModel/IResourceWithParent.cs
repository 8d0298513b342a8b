namespace Hosting.ApplicationModel;

/// <summary>A resource that lives inside another one (a database inside its server); it has no process.</summary>
public interface IResourceWithParent : IResource
{
    /// <summary>The resource whose process hosts this one.</summary>
    IResource Parent { get; }
}
