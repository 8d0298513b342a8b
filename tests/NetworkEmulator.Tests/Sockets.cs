using System.Net;
using System.Net.Sockets;

namespace NetworkEmulator.Tests;

/// <summary>Client-side helpers with bounded waits: a broken relay fails a test, it never hangs it.</summary>
internal static class Sockets
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return socket;
    }

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Reads until the peer half-closes; fails after <see cref="Bound"/>.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(Bound);
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                return received.ToArray();
            }

            received.Write(buffer, 0, read);
        }
    }

    /// <summary>Reads exactly <paramref name="length"/> bytes; fails after <see cref="Bound"/>.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int length)
    {
        using var timeout = new CancellationTokenSource(Bound);
        var buffer = new byte[length];
        var total = 0;
        while (total < length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, timeout.Token);
            Assert.True(read > 0, $"The stream ended after {total} of {length} bytes.");
            total += read;
        }

        return buffer;
    }

    /// <summary>The error a receive ends with (Success when it ended with data or end of stream), bounded.</summary>
    public static async Task<SocketError> ReceiveErrorAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(Bound);
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (OperationCanceledException)
        {
            return SocketError.TimedOut;
        }
    }

    /// <summary>Waits, bounded, until <paramref name="condition"/> holds.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Still waiting after {Bound.TotalSeconds} s for: {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    public static int UnusedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
