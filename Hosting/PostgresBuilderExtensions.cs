using Hosting.ApplicationModel;

namespace Hosting;

/// <summary>Adds PostgreSQL servers and their databases.</summary>
public static class PostgresBuilderExtensions
{
    /// <summary>Adds a PostgreSQL server (Debian package <c>postgresql</c>), run as the <c>postgres</c> user when root.</summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new PostgresServerResource(name));
    }

    /// <summary>Adds a database, created on the server's first start; reference it to get its connection string.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> builder, string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        databaseName ??= name;
        DistributedApplicationBuilder.ValidateName(databaseName);
        var database = new PostgresDatabaseResource(name, databaseName, builder.Resource);
        var result = builder.ApplicationBuilder.AddResource(database);
        builder.Resource.AddDatabase(database);
        return result;
    }
}
