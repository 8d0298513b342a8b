using System.Globalization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A <c>redis-server</c> from the Debian package, run by DCP as an executable: bound to 127.0.0.1, with a generated
/// password, and nothing written to disk (a cache that restarts empty, as a cache may).
/// </summary>
/// <param name="name">The resource name; also the <c>ConnectionStrings__{name}</c> key of its clients.</param>
/// <param name="command">The <c>redis-server</c> executable.</param>
/// <param name="workingDirectory">Its folder: holds the config file with the password, nothing else.</param>
/// <param name="password">The generated secret password parameter.</param>
/// <param name="port">The port, fixed while the model is built so the connection string is known before the server starts.</param>
public sealed class LocalRedisResource(string name, string command, string workingDirectory, ParameterResource password, int port)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    /// <summary>The password every client must send (<c>requirepass</c>).</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; } = port;

    /// <summary>
    /// <c>127.0.0.1:port,password=…</c> (StackExchange.Redis format). Built from the fixed port, not from the
    /// endpoint's allocation, so it resolves even while the server is not started (explicit start).
    /// </summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},password={PasswordParameter}");
}
