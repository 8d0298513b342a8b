using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace NetworkEmulation;

/// <summary>
/// An emulated link: a TCP listener on 127.0.0.1 that relays every connection to a target, adding the link's
/// one-way delay and bandwidth (<see cref="Profile"/>) to each direction. Chunks leave in order when due; the
/// bandwidth is shared by all the link's connections, as on one wire. The profile can change while traffic flows.
/// </summary>
public sealed class NetworkLink : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly LinkDirection _upstream;
    private readonly LinkDirection _downstream;
    private readonly ConcurrentDictionary<RelayConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private LinkProfile _profile;
    private int _connectionCount;

    private NetworkLink(string name, string targetHost, int targetPort, LinkProfile profile, int port)
    {
        Name = name;
        TargetHost = targetHost;
        TargetPort = targetPort;
        _profile = profile;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            _listener.Dispose();
            throw new InvalidOperationException(
                $"The network link '{name}' cannot listen on 127.0.0.1:{port}: the port is taken. Choose another port, or 0 for any free one.", e);
        }

        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _upstream = new LinkDirection(name, "upstream", profile);
        _downstream = new LinkDirection(name, "downstream", profile);
        _accepting = AcceptAsync(_stopping.Token);
    }

    /// <summary>The link's name, a tag on its metrics.</summary>
    public string Name { get; }

    /// <summary>The host every connection is relayed to.</summary>
    public string TargetHost { get; }

    /// <summary>The port every connection is relayed to.</summary>
    public int TargetPort { get; }

    /// <summary>The port on 127.0.0.1 clients connect to.</summary>
    public int Port { get; }

    /// <summary>The relayed connections open now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Bytes read from either side and not yet delivered to the other, over all connections.</summary>
    public long QueuedBytes => _connections.Keys.Sum(c => c.QueuedBytes);

    /// <summary>
    /// The delay and rate of both directions. A change applies to bytes that arrive after it; bytes already queued
    /// keep their due times, and none overtakes another, so a switch while traffic flows loses and reorders nothing.
    /// </summary>
    public LinkProfile Profile
    {
        get => Volatile.Read(ref _profile);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Volatile.Write(ref _profile, value);
            _upstream.Profile = value;
            _downstream.Profile = value;
        }
    }

    /// <summary>
    /// Starts a link that listens on 127.0.0.1:<paramref name="port"/> (0: a free port, see <see cref="Port"/>) and
    /// relays to <paramref name="targetHost"/>:<paramref name="targetPort"/>.
    /// </summary>
    public static NetworkLink Start(string name, string targetHost, int targetPort, LinkProfile profile, int port = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetHost);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetPort, IPEndPoint.MaxPort);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        ArgumentNullException.ThrowIfNull(profile);
        return new NetworkLink(name, targetHost, targetPort, profile, port);
    }

    /// <summary>Stops listening and resets every relayed connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        foreach (var connection in _connections.Keys)
        {
            connection.Abort();
        }

        _upstream.Dispose();
        _downstream.Dispose();
        _stopping.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: 127.0.0.1:{Port} → {TargetHost}:{TargetPort} ({Profile.Name}: {Profile})";

    private async Task AcceptAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            _ = ConnectAsync(client, stopping);
        }
    }

    private async Task ConnectAsync(Socket client, CancellationToken stopping)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(TargetHost, TargetPort, stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The target is down: the client gets a reset now, as from a host that refuses, never a hang.
            server.Dispose();
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            return;
        }

        var connection = new RelayConnection(client, server, _upstream, _downstream, c => _connections.TryRemove(c, out _));
        _connections[connection] = 0;
        if (stopping.IsCancellationRequested)
        {
            connection.Abort();
            return;
        }

        connection.Start($"{Name}#{Interlocked.Increment(ref _connectionCount)}");
    }
}
