namespace Hosting.ApplicationModel;

/// <summary>A PostgreSQL server run from the Debian binaries, with its data folder in the state folder.</summary>
public sealed class PostgresServerResource(string name) : Resource(name), IResourceWithConnectionString
{
    private readonly List<PostgresDatabaseResource> _databases = [];

    /// <inheritdoc />
    public override string ResourceType => "Postgres";

    /// <summary>The superuser the sample connects as.</summary>
    public string UserName => "postgres";

    /// <summary>The superuser's password; kept in the state folder because the data folder outlives a run.</summary>
    public string Password { get; internal set; } = "";

    /// <summary>The TCP port on 127.0.0.1, allocated when the application is built.</summary>
    public int Port { get; internal set; }

    /// <summary>The databases created on first start.</summary>
    public IReadOnlyList<PostgresDatabaseResource> Databases => _databases;

    internal void AddDatabase(PostgresDatabaseResource database) => _databases.Add(database);

    /// <inheritdoc />
    public string GetConnectionString()
        => $"Host=127.0.0.1;Port={Port};Username={UserName};Password={Password}";
}
