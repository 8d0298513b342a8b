using System.Net.Sockets;

namespace NetworkEmulator.Tests;

/// <summary>Several links under one profile, as the sample's services will use them.</summary>
public sealed class EmulatedNetworkTests
{
    [Fact]
    public async Task OneSwitchChangesEveryLinkAndTrafficGoesOn()
    {
        await using var echo = new EchoServer();
        await using var network = new EmulatedNetwork(LinkProfile.Lan);
        var first = network.AddLink("first", "127.0.0.1", echo.Port);
        var second = network.AddLink("second", "127.0.0.1", echo.Port);
        using var client = await Sockets.ConnectAsync(second.Port);
        var before = Sockets.RandomBytes(50_000);
        await client.SendAsync(before);
        var echoed = await Sockets.ReadExactlyAsync(client, before.Length);
        Assert.True(before.AsSpan().SequenceEqual(echoed));

        network.Profile = LinkProfile.Parse("cross-zone");

        Assert.All(network.Links, link => Assert.Equal("cross-zone", link.Profile.Name));
        Assert.Equal([first, second], network.Links);
        var after = Sockets.RandomBytes(50_000);
        await client.SendAsync(after);
        client.Shutdown(SocketShutdown.Send);
        var rest = await Sockets.ReadToEndAsync(client);
        Assert.True(after.AsSpan().SequenceEqual(rest));
    }
}
