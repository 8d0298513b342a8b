namespace Scaleout.Integration;

/// <summary>
/// Where an existing ScaleOut StateServer deployment is, as read (and validated) from configuration by
/// <see cref="ScaleOutStateServerConfiguration.Read"/>.
/// </summary>
/// <param name="Endpoints">The Redis-protocol endpoints given (SOSS's port 721 by default); the client learns the
/// other hosts from the slot map, as with any Redis Cluster.</param>
/// <param name="ConnectionString">The StackExchange.Redis connection string, password included.</param>
/// <param name="Setting">The setting the endpoints came from (<c>Parameters:soss-hosts</c> or <c>ConnectionStrings:soss</c>),
/// which every message about a wrong or unreachable host names.</param>
/// <param name="PasswordSetting">The setting the password came from, or null when none was given.</param>
public sealed record ScaleOutStateServerSettings(
    IReadOnlyList<ServerEndpoint> Endpoints,
    string ConnectionString,
    string Setting,
    string? PasswordSetting)
{
    /// <summary>Never prints the connection string: it carries the password.</summary>
    public override string ToString() => $"{string.Join(',', Endpoints)} (from {Setting})";
}
