using System.Net.Sockets;
using System.Text;

namespace NetworkEmulator.Tests;

/// <summary>What a client and a server notice through one emulated link: their bytes, their closes, their resets.</summary>
public sealed class RelayTests
{
    [Fact]
    public async Task RandomPayloadsUpToAMegabyteComeBackByteExactAndInOrder()
    {
        await using var echo = new EchoServer();
        await using var link = NetworkLink.Start("echo", "127.0.0.1", echo.Port, LinkProfile.Lan);
        using var client = await Sockets.ConnectAsync(link.Port);
        var payloads = Enumerable.Range(0, 12).Select(i => Sockets.RandomBytes(i == 0 ? 1 << 20 : Random.Shared.Next(1, 1 << 20))).ToList();
        byte[] sent = [.. payloads.SelectMany(p => p)];

        // Everything is written before anything is read back: many chunks are in flight both ways at once.
        var reading = Sockets.ReadToEndAsync(client);
        foreach (var payload in payloads)
        {
            await client.SendAsync(payload);
        }

        client.Shutdown(SocketShutdown.Send);
        var received = await reading;

        Assert.Equal(sent.Length, received.Length);
        Assert.True(sent.AsSpan().SequenceEqual(received), "The bytes that came back differ from the bytes sent.");
    }

    [Fact]
    public async Task ARedisServerBehindALinkStoresAndReturnsAMegabyteValue()
    {
        await using var servers = new RedisServers();
        var node = await servers.StartAsync();
        await using var link = NetworkLink.Start("redis", "127.0.0.1", node.Port, LinkProfile.Lan);
        using var client = await Sockets.ConnectAsync(link.Port);
        var value = Sockets.RandomBytes(1 << 20);

        // Three commands pipelined in one write; the replies come back in order.
        byte[] request = [.. Resp("AUTH", servers.Password), .. Resp("SET", "netem:key", value), .. Resp("GET", "netem:key")];
        await client.SendAsync(request);
        var expected = $"+OK\r\n+OK\r\n${value.Length}\r\n";
        var head = await Sockets.ReadExactlyAsync(client, expected.Length);
        var body = await Sockets.ReadExactlyAsync(client, value.Length + 2);

        Assert.Equal(expected, Encoding.ASCII.GetString(head));
        Assert.True(value.AsSpan().SequenceEqual(body.AsSpan(0, value.Length)), "GET returned other bytes than SET stored.");
    }

    [Fact]
    public async Task AHalfCloseReachesTheServerAndItsReplyAndCloseComeBack()
    {
        await using var echo = new EchoServer();
        await using var link = NetworkLink.Start("echo", "127.0.0.1", echo.Port, LinkProfile.Lan);
        using var client = await Sockets.ConnectAsync(link.Port);
        var payload = Sockets.RandomBytes(100_000);

        await client.SendAsync(payload);
        client.Shutdown(SocketShutdown.Send);
        var received = await Sockets.ReadToEndAsync(client);

        // The echo server only half-closes after it read the client's end of stream: both FINs crossed the link.
        Assert.True(payload.AsSpan().SequenceEqual(received), "The reply before the server's close differs from the request.");
        await Sockets.UntilAsync(() => link.ConnectionCount == 0, "the link to let go of the closed connection");
    }

    [Fact]
    public async Task AClientResetReachesTheServerAsAReset()
    {
        await using var server = new EchoServer { Hold = true };
        await using var link = NetworkLink.Start("held", "127.0.0.1", server.Port, LinkProfile.Lan);
        var client = await Sockets.ConnectAsync(link.Port);
        await client.SendAsync("x"u8.ToArray());
        var accepted = await server.Accepted.Reader.ReadAsync();
        await Sockets.ReadExactlyAsync(accepted, 1);

        client.LingerState = new LingerOption(true, 0);
        client.Dispose();

        Assert.Equal(SocketError.ConnectionReset, await Sockets.ReceiveErrorAsync(accepted));
    }

    [Fact]
    public async Task AServerResetReachesTheClientAsAReset()
    {
        await using var server = new EchoServer { Hold = true };
        await using var link = NetworkLink.Start("held", "127.0.0.1", server.Port, LinkProfile.Lan);
        using var client = await Sockets.ConnectAsync(link.Port);
        await client.SendAsync("x"u8.ToArray());
        var accepted = await server.Accepted.Reader.ReadAsync();
        await Sockets.ReadExactlyAsync(accepted, 1);

        accepted.LingerState = new LingerOption(true, 0);
        accepted.Dispose();

        Assert.Equal(SocketError.ConnectionReset, await Sockets.ReceiveErrorAsync(client));
    }

    [Fact]
    public async Task ADeadTargetResetsTheClientInsteadOfHangingIt()
    {
        await using var link = NetworkLink.Start("dead", "127.0.0.1", Sockets.UnusedPort(), LinkProfile.Lan);
        SocketError error;
        try
        {
            using var client = await Sockets.ConnectAsync(link.Port);
            error = await Sockets.ReceiveErrorAsync(client);
        }
        catch (SocketException ex)
        {
            // On a busy machine the reset can arrive before the connect's completion is seen: the same answer.
            error = ex.SocketErrorCode;
        }

        Assert.Equal(SocketError.ConnectionReset, error);
    }

    [Fact]
    public async Task AServerThatStopsReadingHoldsTheWriterBackWithBoundedMemory()
    {
        await using var server = new EchoServer { Hold = true };
        await using var link = NetworkLink.Start("held", "127.0.0.1", server.Port, LinkProfile.Lan);
        using var client = await Sockets.ConnectAsync(link.Port);
        var accepted = await server.Accepted.Reader.ReadAsync();
        client.Blocking = false;

        // Write a known pattern until the writer is held back: sends that would block, and stay so for a second.
        const long Limit = 512L << 20;
        var block = new byte[64 * 1024];
        long written = 0;
        var stalls = 0;
        while (stalls < 4 && written < Limit)
        {
            for (var i = 0; i < block.Length; i++)
            {
                block[i] = (byte)((written + i) % 251);
            }

            try
            {
                var sent = client.Send(block);
                written += sent;
                stalls = 0;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                stalls = client.Poll(TimeSpan.FromMilliseconds(250), SelectMode.SelectWrite) ? 0 : stalls + 1;
            }
        }

        // Held back: the kernel buffers on the way (a few MB each) and one switch buffer in the relay, not 512 MB.
        Assert.True(written < 64L << 20, $"The writer was not held back: {written:N0} bytes accepted.");
        Assert.True(link.QueuedBytes <= 1 << 20, $"The relay holds {link.QueuedBytes:N0} bytes for one connection.");

        // Once the server reads, every byte arrives, in order.
        client.Blocking = true;
        client.Shutdown(SocketShutdown.Send);
        var received = await Sockets.ReadToEndAsync(accepted);
        Assert.Equal(written, received.LongLength);
        for (var i = 0; i < received.Length; i++)
        {
            Assert.True(received[i] == (byte)(i % 251), $"Byte {i} is {received[i]}, not {(byte)(i % 251)}.");
        }
    }

    [Fact]
    public async Task AHundredConcurrentConnectionsEachGetTheirOwnBytesBack()
    {
        await using var echo = new EchoServer();
        await using var link = NetworkLink.Start("echo", "127.0.0.1", echo.Port, LinkProfile.Lan);

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
        {
            using var client = await Sockets.ConnectAsync(link.Port);
            var payload = Sockets.RandomBytes(Random.Shared.Next(1, 128 * 1024));
            var reading = Sockets.ReadToEndAsync(client);
            await client.SendAsync(payload);
            client.Shutdown(SocketShutdown.Send);
            var received = await reading;
            return payload.AsSpan().SequenceEqual(received);
        }));

        Assert.All(results, Assert.True);
    }

    [Fact]
    public async Task SwitchingTheProfileMidTransferLosesAndReordersNothing()
    {
        await using var echo = new EchoServer();
        await using var link = NetworkLink.Start("echo", "127.0.0.1", echo.Port, LinkProfile.CrossZone);
        using var client = await Sockets.ConnectAsync(link.Port);
        var payload = Sockets.RandomBytes(24 << 20);
        LinkProfile[] profiles = [LinkProfile.Lan, LinkProfile.CrossZone, LinkProfile.Lan10G, LinkProfile.Custom(TimeSpan.FromMilliseconds(2), 2_000_000_000), LinkProfile.Unlimited];

        var reading = Sockets.ReadToEndAsync(client);
        var sending = Task.Run(async () =>
        {
            for (var offset = 0; offset < payload.Length; offset += 256 * 1024)
            {
                await client.SendAsync(payload.AsMemory(offset, Math.Min(256 * 1024, payload.Length - offset)));
            }

            client.Shutdown(SocketShutdown.Send);
        });
        var switches = 0;
        while (!reading.IsCompleted)
        {
            link.Profile = profiles[switches++ % profiles.Length];
            await Task.WhenAny(reading, Task.Delay(5));
        }

        await sending;
        var received = await reading;
        Assert.True(switches > 1, "The transfer ended before the profile could change.");
        Assert.True(payload.AsSpan().SequenceEqual(received), $"After {switches} switches the bytes that came back differ.");
    }

    private static byte[] Resp(params object[] parts)
    {
        using var stream = new MemoryStream();
        stream.Write(Encoding.ASCII.GetBytes($"*{parts.Length}\r\n"));
        foreach (var part in parts)
        {
            var bytes = part as byte[] ?? Encoding.UTF8.GetBytes((string)part);
            stream.Write(Encoding.ASCII.GetBytes($"${bytes.Length}\r\n"));
            stream.Write(bytes);
            stream.Write("\r\n"u8);
        }

        return stream.ToArray();
    }
}
