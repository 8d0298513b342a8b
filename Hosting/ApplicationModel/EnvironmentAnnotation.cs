namespace Hosting.ApplicationModel;

/// <summary>One environment variable set with <c>WithEnvironment</c>.</summary>
public sealed record EnvironmentAnnotation(string Name, string Value) : IResourceAnnotation;
