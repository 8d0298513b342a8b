namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The client port each node of a Redis Cluster announces instead of its own (<c>cluster-announce-port</c>): the port
/// of something in front of it, such as an emulated network link. The cluster bus stays on the node's own bus port.
/// </summary>
/// <param name="PortOf">The announced client port of a node.</param>
public sealed record RedisClusterAnnouncedPortsAnnotation(Func<RedisClusterNodeResource, int> PortOf) : IResourceAnnotation;
