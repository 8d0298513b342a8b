using Scaleout.Integration;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// An existing ScaleOut StateServer (SOSS) deployment, reached through its Redis-protocol endpoints. Aspire does not
/// start or stop it: the resource only carries where it is (its connection string for <c>WithReference</c>), shows
/// its endpoints in the dashboard and checks that they answer.
/// </summary>
public sealed class ScaleOutStateServerResource : Resource, IResourceWithConnectionString
{
    internal ScaleOutStateServerResource(string name, ScaleOutStateServerSettings settings, ReferenceExpression connectionString)
        : base(name)
    {
        Settings = settings;
        ConnectionStringExpression = connectionString;
    }

    /// <summary>The endpoints given in configuration (the client discovers the other hosts from the slot map).</summary>
    public IReadOnlyList<ServerEndpoint> Endpoints => Settings.Endpoints;

    /// <summary>The setting the endpoints came from: <c>Parameters:soss-hosts</c> or <c>ConnectionStrings:soss</c>.</summary>
    public string Setting => Settings.Setting;

    /// <summary>
    /// The StackExchange.Redis connection string (<c>host:721,host:721[,password=…]</c>); a service that references
    /// this resource receives it as <c>ConnectionStrings__{name}</c> and connects exactly as to a Redis Cluster.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression { get; }

    internal ScaleOutStateServerSettings Settings { get; }
}
