namespace Aspire.Hosting;

/// <summary>Which images Aspire's container integrations (<c>AddRedis</c>, <c>AddPostgres</c>) run.</summary>
public enum ContainerImages
{
    /// <summary>Aspire's defaults, unchanged (<c>docker.io/library/redis</c>, <c>docker.io/library/postgres</c>), pulled when missing.</summary>
    Official,

    /// <summary>
    /// Images built on this machine from Debian packages by <c>eng/containers.sh images local</c>, for a machine
    /// that reaches no image registry; never pulled (<see cref="LocalContainerImages"/>).
    /// </summary>
    Local,
}
