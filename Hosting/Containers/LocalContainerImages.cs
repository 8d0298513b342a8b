using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// The images <c>eng/containers.sh images local</c> builds from Debian bookworm packages, under the <c>localhost/</c>
/// registry so they can never be mistaken for (or pulled as) the official ones.
/// </summary>
public static class LocalContainerImages
{
    /// <summary>The registry part of the local images' names: nothing is ever pulled from it.</summary>
    public const string Registry = "localhost";

    /// <summary>Debian's redis-server 7.0, with redis-server as PID 1.</summary>
    public const string RedisImage = "scaling-redis/redis";

    /// <summary>The Redis image's tag.</summary>
    public const string RedisTag = "7.0-bookworm";

    /// <summary>Debian's postgresql-15 with an entrypoint that honours the environment Aspire sets (<c>POSTGRES_USER</c>, <c>POSTGRES_PASSWORD</c>, …).</summary>
    public const string PostgresImage = "scaling-redis/postgres";

    /// <summary>The PostgreSQL image's tag.</summary>
    public const string PostgresTag = "15-bookworm";

    /// <summary>Every local image, as <c>docker image inspect</c> names it.</summary>
    public static IReadOnlyList<string> All { get; } =
        [$"{Registry}/{RedisImage}:{RedisTag}", $"{Registry}/{PostgresImage}:{PostgresTag}"];

    /// <summary>Runs <paramref name="images"/>: Aspire's default image unchanged, or the local Redis image (never pulled).</summary>
    public static IResourceBuilder<RedisResource> WithImages(this IResourceBuilder<RedisResource> redis, ContainerImages images)
        => images == ContainerImages.Local ? redis.WithLocalImage(RedisImage, RedisTag) : redis;

    /// <summary>Runs <paramref name="images"/>: Aspire's default image unchanged, or the local PostgreSQL image (never pulled).</summary>
    public static IResourceBuilder<PostgresServerResource> WithImages(this IResourceBuilder<PostgresServerResource> postgres, ContainerImages images)
        => images == ContainerImages.Local ? postgres.WithLocalImage(PostgresImage, PostgresTag) : postgres;

    private static IResourceBuilder<T> WithLocalImage<T>(this IResourceBuilder<T> container, string image, string tag)
        where T : ContainerResource
        => container.WithImageRegistry(Registry).WithImage(image, tag).WithImagePullPolicy(ImagePullPolicy.Never);
}
