namespace Hosting.ApplicationModel;

/// <summary>Marker for the small, immutable option records attached to a resource.</summary>
public interface IResourceAnnotation;
