using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace NetworkEmulator.Tests;

/// <summary>
/// A plain TCP server on a free loopback port that sends back every byte it receives and half-closes when its
/// client does (or, in <see cref="EchoServer.Hold"/> mode, accepts and reads nothing until released).
/// </summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    public EchoServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Accepted connections, in order; a test may take one over (read, reset) instead of echoing.</summary>
    public Channel<Socket> Accepted { get; } = Channel.CreateUnbounded<Socket>();

    /// <summary>When true, new connections are handed to <see cref="Accepted"/> and not echoed.</summary>
    public bool Hold { get; init; }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Dispose();
        await _accepting;
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_accepted)
            {
                _accepted.Add(socket);
            }

            socket.NoDelay = true;
            if (Hold)
            {
                Accepted.Writer.TryWrite(socket);
            }
            else
            {
                _ = EchoAsync(socket);
            }
        }
    }

    private static async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer);
                if (read == 0)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
