using System.Globalization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A PostgreSQL server from the Debian package, run by DCP as an executable (as the <c>postgres</c> user when the
/// AppHost runs as root, since Postgres refuses root), listening on 127.0.0.1 only with scram-sha-256 passwords.
/// Its data folder is prepared by the one-shot <c>{name}-init</c> resource it waits for.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="command">The executable DCP starts: <c>postgres</c> itself, or as root <c>setpriv</c>, which execs it as user postgres (one process either way).</param>
/// <param name="workingDirectory">The server's home: data folder, socket folder.</param>
/// <param name="password">The generated secret password of the <c>postgres</c> user.</param>
/// <param name="port">The port, fixed while the model is built.</param>
public sealed class LocalPostgresServerResource(string name, string command, string workingDirectory, ParameterResource password, int port)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    /// <summary>The superuser every client logs in as.</summary>
    public string UserName => "postgres";

    /// <summary>The password of <see cref="UserName"/>.</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; } = port;

    /// <summary>The databases added with <c>AddDatabase</c>: resource name → database name. The init resource creates them.</summary>
    public IReadOnlyDictionary<string, string> Databases => _databases;

    private readonly Dictionary<string, string> _databases = new(StringComparer.Ordinal);

    /// <summary>The folder of the server's files: <c>data/</c> (PGDATA) and <c>run/</c> (its Unix socket).</summary>
    public string Home => this.TryGetLastAnnotation<LocalDataDirectoryAnnotation>(out var folder) ? folder.Path : WorkingDirectory;

    internal string DataDirectory => Path.Combine(Home, "data");

    internal string SocketDirectory => Path.Combine(Home, "run");

    /// <summary><c>Host=127.0.0.1;Port=…;Username=postgres;Password=…</c> (Npgsql format), known before the server starts.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username={UserName};Password={PasswordParameter}");

    internal void AddDatabase(string resourceName, string databaseName) => _databases.TryAdd(resourceName, databaseName);
}
