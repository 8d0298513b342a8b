namespace Hosting.ApplicationModel;

/// <summary>Added with <c>WaitFor</c>: the resource starts only once <paramref name="Resource"/> is healthy.</summary>
public sealed record WaitAnnotation(IResource Resource) : IResourceAnnotation;
