namespace AppHost.Network;

/// <summary>What <c>GET /api/network</c> answers: the profile and every link started so far.</summary>
/// <param name="Profile">The profile's name (<c>custom</c> for values given with <c>--network-delay</c>/<c>--network-rate</c>).</param>
/// <param name="DelayMicroseconds">The one-way delay of each direction of every link.</param>
/// <param name="RateBitsPerSecond">The rate of each direction of every link.</param>
/// <param name="Links">One line per link: its name, its port and its target.</param>
public sealed record NetworkStatus(string Profile, double DelayMicroseconds, long RateBitsPerSecond, IReadOnlyList<NetworkLinkStatus> Links);

/// <summary>One link of <see cref="NetworkStatus"/>.</summary>
/// <param name="Name">The server behind it (the resource name).</param>
/// <param name="Port">The link's port on 127.0.0.1, which its clients are given instead of the server's.</param>
/// <param name="Target">The server's own address.</param>
/// <param name="Connections">Connections open through it now.</param>
public sealed record NetworkLinkStatus(string Name, int Port, string Target, int Connections);
