using Scaleout.Integration;

namespace Benchmarks;

/// <summary>
/// Servers the reader already runs, named as the article's benchmark names them: <c>REDIS_SERVERS</c> and
/// <c>SOSS_SERVERS</c> in its <c>host__port</c> form (comma-separated), with <c>REDIS_PASSWORD</c> /
/// <c>SOSS_PASSWORD</c> when they need one.
/// </summary>
internal static class ExternalServers
{
    /// <summary>The variables of a Redis deployment (a cluster or one server).</summary>
    public static readonly (string Servers, string Password, int DefaultPort) Redis = ("REDIS_SERVERS", "REDIS_PASSWORD", ServerListParser.RedisPort);

    /// <summary>The variables of a ScaleOut StateServer deployment (its Redis-protocol endpoint).</summary>
    public static readonly (string Servers, string Password, int DefaultPort) Soss = ("SOSS_SERVERS", "SOSS_PASSWORD", ServerListParser.SossPort);

    /// <summary>Whether the deployment's variable is set.</summary>
    public static bool IsSet((string Servers, string Password, int DefaultPort) deployment)
        => ServerListParser.FromEnvironment(deployment.Servers, deployment.DefaultPort) is not null;

    /// <summary>The StackExchange.Redis connection string of the deployment; throws naming the variable when it is not set.</summary>
    public static string ConnectionString((string Servers, string Password, int DefaultPort) deployment)
        => ServerListParser.ToConnectionString(
            ServerListParser.FromEnvironment(deployment.Servers, deployment.DefaultPort)
                ?? throw new InvalidOperationException($"Set {deployment.Servers}, e.g. {deployment.Servers}=10.0.0.1__{deployment.DefaultPort},10.0.0.2__{deployment.DefaultPort}."),
            Environment.GetEnvironmentVariable(deployment.Password));
}
