namespace RedisClient.Internal;

/// <summary>Sends one command during a connection's handshake (before the connection is published).</summary>
internal delegate Task<RedisResult> HandshakeSend(Protocol.CommandName name, RedisValue[] args);

/// <summary>
/// Extra handshake steps for every new socket of a connection, e.g. CLIENT ID on an invalidation subscriber or
/// CLIENT TRACKING on a command connection. An exception fails the socket; the connection retries with back-off.
/// </summary>
internal delegate Task HandshakeHook(RedisConnection connection, HandshakeSend send);
