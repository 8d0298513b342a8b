using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>Adds Redis servers.</summary>
public static class RedisBuilderExtensions
{
    /// <summary>Adds a Redis server (Debian package <c>redis-server</c>) with a generated password and no persistence.</summary>
    public static IResourceBuilder<RedisResource> AddRedis(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new RedisResource(name));
    }
}
