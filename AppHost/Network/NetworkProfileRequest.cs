namespace AppHost.Network;

/// <summary>The body of <c>PUT /api/network</c>: a profile name, or values (<c>{"delay":"200us","rate":"1gbit"}</c>).</summary>
/// <param name="Profile"><c>lan</c>, <c>lan-10g</c> or <c>cross-zone</c>; the base for <paramref name="Delay"/> and <paramref name="Rate"/>.</param>
/// <param name="Delay">A one-way delay such as <c>200us</c>, replacing the profile's.</param>
/// <param name="Rate">A rate such as <c>1gbit</c>, replacing the profile's.</param>
public sealed record NetworkProfileRequest(string? Profile, string? Delay = null, string? Rate = null);
