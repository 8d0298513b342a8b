namespace Hosting.ApplicationModel;

/// <summary>How many identical processes run a resource.</summary>
public sealed record ReplicaAnnotation(int Replicas) : IResourceAnnotation;
