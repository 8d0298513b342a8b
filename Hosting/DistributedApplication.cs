namespace Hosting;

/// <summary>The running app model.</summary>
public sealed class DistributedApplication
{
}
