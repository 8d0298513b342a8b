using System.Net.Sockets;

namespace NetworkEmulation;

/// <summary>
/// One client connection relayed to the link's target: two pipes, one per direction. It ends gracefully once both
/// sides' ends of stream have been forwarded, or at once (a reset on both sides) when either side resets.
/// </summary>
internal sealed class RelayConnection
{
    private readonly Socket _client;
    private readonly Socket _server;
    private readonly RelayPipe _upstream;
    private readonly RelayPipe _downstream;
    private readonly Action<RelayConnection> _closed;
    private int _endsForwarded;
    private int _closing;

    public RelayConnection(Socket client, Socket server, LinkDirection upstream, LinkDirection downstream, Action<RelayConnection> closed)
    {
        _client = client;
        _server = server;
        _closed = closed;
        _upstream = new RelayPipe(this, client, server, upstream);
        _downstream = new RelayPipe(this, server, client, downstream);
    }

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>Bytes read and not yet delivered, both directions.</summary>
    public long QueuedBytes => _upstream.QueuedBytes + _downstream.QueuedBytes;

    public void Start(string name)
    {
        foreach (var socket in (Socket[])[_client, _server])
        {
            // Small writes (a PING) must leave at once; the link model, not Nagle, decides when bytes arrive.
            socket.NoDelay = true;
            Native.EnableReceiveTimestamps(socket);
        }

        _upstream.Start($"{name} up");
        _downstream.Start($"{name} down");
    }

    /// <summary>Forwards one side's end of stream as a FIN to the other; the second one ends the connection.</summary>
    public void ForwardEndOfStream(Socket target)
    {
        try
        {
            target.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Abort();
            return;
        }

        if (Interlocked.Increment(ref _endsForwarded) == 2)
        {
            Close(abortive: false);
        }
    }

    /// <summary>Resets both sides: a reset from one side, a failed send, or the link going away.</summary>
    public void Abort() => Close(abortive: true);

    private void Close(bool abortive)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _upstream.Close();
        _downstream.Close();
        foreach (var socket in (Socket[])[_client, _server])
        {
            try
            {
                if (abortive)
                {
                    // Linger 0: close sends RST instead of FIN.
                    socket.LingerState = new LingerOption(true, 0);
                }

                // SHUT_RD sends nothing on Linux but wakes the reader blocked in poll, so the socket can close now.
                socket.Shutdown(SocketShutdown.Receive);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }

            socket.Dispose();
        }

        _closed(this);
    }
}
