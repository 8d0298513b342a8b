namespace Hosting.ApplicationModel;

/// <summary>A named part of the application: a server, a project, an executable.</summary>
public interface IResource
{
    /// <summary>The unique name (lowercase letters, digits and '-') used in env vars, logs and the dashboard.</summary>
    string Name { get; }

    /// <summary>The options attached by builder extension methods, in the order they were added.</summary>
    IList<IResourceAnnotation> Annotations { get; }
}
