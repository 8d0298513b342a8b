using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Benchmarks;

/// <summary>
/// The far end of the network benchmark: a loopback server with one blocking thread per connection (the least
/// latency a server can add), that reads a length-prefixed request and answers 16 bytes, or, as a sink, reads
/// until end of stream and says when the first and last bytes arrived.
/// </summary>
internal sealed class RequestServer : IDisposable
{
    public const int ReplySize = 16;

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _accepted = [];

    public RequestServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        new Thread(Accept) { IsBackground = true, Name = "request server" }.Start();
    }

    public int Port { get; }

    /// <summary>Completed by a sink connection (first request byte 0xFF) with its byte count and first/last arrival.</summary>
    public TaskCompletionSource<(long Bytes, long First, long Last)> Sink { get; private set; } = new();

    public void ResetSink() => Sink = new();

    public void Dispose()
    {
        _listener.Dispose();
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }
    }

    private void Accept()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            lock (_accepted)
            {
                _accepted.Add(socket);
            }

            new Thread(() => Serve(socket)) { IsBackground = true, Name = "request server connection" }.Start();
        }
    }

    private void Serve(Socket socket)
    {
        var buffer = new byte[1 << 20];
        var reply = new byte[ReplySize];
        try
        {
            while (true)
            {
                if (!ReadExactly(socket, buffer.AsSpan(0, 4)))
                {
                    return;
                }

                if (buffer[0] == 0xFF)
                {
                    Drain(socket, buffer);
                    return;
                }

                var length = BinaryPrimitives.ReadInt32BigEndian(buffer);
                if (!ReadExactly(socket, buffer.AsSpan(4, length - 4)))
                {
                    return;
                }

                socket.Send(reply);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private void Drain(Socket socket, byte[] buffer)
    {
        var first = Stopwatch.GetTimestamp();
        long total = 4;
        var last = first;
        int read;
        while ((read = socket.Receive(buffer)) > 0)
        {
            total += read;
            last = Stopwatch.GetTimestamp();
        }

        Sink.TrySetResult((total, first, last));
    }

    private static bool ReadExactly(Socket socket, Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var read = socket.Receive(buffer);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }
}
