using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>Configures one resource; returned by every <c>AddX</c>/<c>WithX</c> method so calls chain.</summary>
public interface IResourceBuilder<out T> where T : IResource
{
    /// <summary>The application the resource belongs to.</summary>
    IDistributedApplicationBuilder ApplicationBuilder { get; }

    /// <summary>The resource being configured.</summary>
    T Resource { get; }
}
