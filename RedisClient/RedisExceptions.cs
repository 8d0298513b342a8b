namespace RedisClient;

/// <summary>The connection to a Redis endpoint could not be made, or was lost while the command was in flight.</summary>
public sealed class RedisConnectionException(string message, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>True when the command never left the client (no connection), so sending it again cannot apply it twice.</summary>
    public bool CommandWasNotSent { get; init; }
}

/// <summary>The server answered with an error (-ERR, -WRONGTYPE, -NOAUTH ...).</summary>
public sealed class RedisServerException(string message) : Exception(message);

/// <summary>No reply came within the command timeout (syncTimeout).</summary>
public sealed class RedisTimeoutException(string message) : TimeoutException(message);

/// <summary>The server sent bytes that are not valid RESP; the connection is dropped and re-established.</summary>
public sealed class RedisProtocolException(string message) : Exception(message);
