using System.Diagnostics.CodeAnalysis;

namespace Hosting.ApplicationModel;

/// <summary>Reads annotations back from a resource.</summary>
public static class ResourceExtensions
{
    /// <summary>The last annotation of type <typeparamref name="T"/>, so a later call overrides an earlier one.</summary>
    public static bool TryGetLastAnnotation<T>(this IResource resource, [NotNullWhen(true)] out T? annotation)
        where T : class, IResourceAnnotation
    {
        ArgumentNullException.ThrowIfNull(resource);
        annotation = resource.Annotations.OfType<T>().LastOrDefault();
        return annotation is not null;
    }

    /// <summary>Every annotation of type <typeparamref name="T"/>, in the order they were added.</summary>
    public static IEnumerable<T> GetAnnotations<T>(this IResource resource)
        where T : IResourceAnnotation
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.Annotations.OfType<T>();
    }

    /// <summary>The number of processes the resource runs (1 unless <c>WithReplicas</c> was called).</summary>
    public static int GetReplicaCount(this IResource resource)
        => resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) ? replicas.Replicas : 1;
}
