using Aspire.Hosting.ApplicationModel;

namespace AppHost.Network;

/// <summary>The emulated network in the dashboard (<c>--network</c>): its profile and links, and the profile commands.</summary>
/// <param name="name">The resource name, <c>network</c>.</param>
public sealed class NetworkResource(string name) : Resource(name);
