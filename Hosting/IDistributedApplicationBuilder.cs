using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>Composes the app model: add resources, wire them, then <see cref="Build"/>.</summary>
public interface IDistributedApplicationBuilder
{
    /// <summary>State folder, fixed ports, configuration.</summary>
    DistributedApplicationOptions Options { get; }

    /// <summary>The resources added so far, in order.</summary>
    IReadOnlyList<IResource> Resources { get; }

    /// <summary>Extra parts of the run loop (the dashboard adds itself here).</summary>
    IList<IDistributedApplicationProcessor> Processors { get; }

    /// <summary>Adds a resource after checking its name is valid and unique.</summary>
    IResourceBuilder<T> AddResource<T>(T resource) where T : IResource;

    /// <summary>Validates the model, allocates ports and passwords, and returns the application (not started).</summary>
    DistributedApplication Build();
}
