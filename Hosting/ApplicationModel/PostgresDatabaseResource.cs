namespace Hosting.ApplicationModel;

/// <summary>A database inside a <see cref="PostgresServerResource"/>; created on the server's first start.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent
{
    /// <inheritdoc />
    public override string ResourceType => "PostgresDatabase";

    /// <summary>The database name on the server.</summary>
    public string DatabaseName { get; } = databaseName;

    /// <summary>The server that hosts the database.</summary>
    public PostgresServerResource Parent { get; } = parent;

    IResource IResourceWithParent.Parent => Parent;

    /// <inheritdoc />
    public string GetConnectionString() => $"{Parent.GetConnectionString()};Database={DatabaseName}";
}
