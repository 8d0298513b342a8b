namespace Hosting.ApplicationModel;

/// <summary>A Redis server with a generated password and no persistence.</summary>
public sealed class RedisResource(string name) : Resource(name), IResourceWithConnectionString
{
    /// <inheritdoc />
    public override string ResourceType => "Redis";

    /// <summary>The <c>requirepass</c> password, generated per run.</summary>
    public string Password { get; internal set; } = "";

    /// <summary>The TCP port on 127.0.0.1, allocated when the application is built.</summary>
    public int Port { get; internal set; }

    /// <summary>The StackExchange.Redis-format connection string: <c>127.0.0.1:port,password=...</c>.</summary>
    public string GetConnectionString() => $"127.0.0.1:{Port},password={Password}";
}
