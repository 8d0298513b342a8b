namespace Hosting.ApplicationModel;

/// <summary>Base class of every resource: a name and its annotations; behaviour lives in builder extensions.</summary>
public abstract class Resource(string name) : IResource
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public IList<IResourceAnnotation> Annotations { get; } = new List<IResourceAnnotation>();

    /// <summary>The type shown in the dashboard ("Project", "Redis", ...).</summary>
    public abstract string ResourceType { get; }

    /// <inheritdoc />
    public override string ToString() => $"{ResourceType} '{Name}'";
}
