namespace Aspire.Hosting.ApplicationModel;

/// <summary>Where a local server keeps its files (Postgres data, cluster node files); set by <c>WithDataDirectory</c>.</summary>
/// <param name="Path">An absolute folder; created when the resource starts.</param>
public sealed record LocalDataDirectoryAnnotation(string Path) : IResourceAnnotation;
