namespace Aspire.Hosting.ApplicationModel;

/// <summary>A database of a <see cref="LocalPostgresServerResource"/>, created by the server's init resource.</summary>
/// <param name="name">The resource name (the <c>ConnectionStrings__{name}</c> key).</param>
/// <param name="databaseName">The database's name in Postgres.</param>
/// <param name="parent">The server.</param>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString
{
    /// <summary>The database's name in Postgres.</summary>
    public string DatabaseName { get; } = databaseName;

    /// <inheritdoc />
    public LocalPostgresServerResource Parent { get; } = parent;

    /// <summary>The server's connection string plus <c>;Database=…</c>.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Database={DatabaseName}");
}
