using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace NearCaching.Internal;

/// <summary>
/// One RESP2 connection to one node, subscribed to <c>__redis__:invalidate</c>: the target of the node's
/// <c>CLIENT TRACKING … REDIRECT &lt;id&gt;</c>. It reports the keys named by each invalidation, a flush (a nil
/// invalidation: FLUSHALL, or the server's tracking table overflowed), and its own end, once.
/// </summary>
/// <remarks>
/// Its own socket rather than a StackExchange.Redis subscriber: a multiplexer routes a channel's subscription to one
/// node of a cluster (by the channel's hash slot), and invalidations are sent to the redirect client on the node
/// where the key changed, so every master needs a subscriber of its own. It only ever reads pushes, so the RESP it
/// parses is small: simple strings, errors, integers, bulk strings and arrays.
/// </remarks>
internal sealed class InvalidationListener : IAsyncDisposable
{
    private const string Channel = "__redis__:invalidate";

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly Action<ReadOnlySpan<byte>> _invalidate;
    private readonly Action _flush;
    private readonly Action<InvalidationListener> _closed;
    private readonly CancellationTokenSource _stop = new();
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private int _closedOnce;
    private Task _reader = Task.CompletedTask;

    private InvalidationListener(EndPoint endPoint, Socket socket, Stream stream, Action<ReadOnlySpan<byte>> invalidate, Action flush, Action<InvalidationListener> closed)
    {
        EndPoint = endPoint;
        _socket = socket;
        _stream = stream;
        _invalidate = invalidate;
        _flush = flush;
        _closed = closed;
    }

    public EndPoint EndPoint { get; }

    /// <summary>The server's id of this connection (what REDIRECT names).</summary>
    public long ClientId { get; private set; }

    /// <summary>False once the connection ended: tracking that redirects to it lost its invalidations.</summary>
    public bool IsOpen => Volatile.Read(ref _closedOnce) == 0;

    /// <summary>Connects, authenticates, names itself, subscribes; then reads invalidations until disposed or closed.</summary>
    public static async Task<InvalidationListener> ConnectAsync(
        EndPoint endPoint, ConfigurationOptions configuration, string clientName,
        Action<ReadOnlySpan<byte>> invalidate, Action flush, Action<InvalidationListener> closed, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(configuration.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (configuration.Ssl)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = configuration.SslHost ?? HostOf(endPoint),
                    EnabledSslProtocols = configuration.SslProtocols ?? System.Security.Authentication.SslProtocols.None,
                }, timeout.Token).ConfigureAwait(false);
                stream = ssl;
            }

            var listener = new InvalidationListener(endPoint, socket, stream, invalidate, flush, closed);
            await listener.HandshakeAsync(configuration, clientName, timeout.Token).ConfigureAwait(false);
            listener._reader = Task.Run(listener.ReadLoopAsync, CancellationToken.None);
            return listener;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Close(socket, stream);
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect,
                $"The near cache's invalidation subscriber could not connect to {Describe(endPoint)} within {configuration.ConnectTimeout} ms.");
        }
        catch
        {
            Close(socket, stream);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closed on purpose: not reported as lost.
        Interlocked.Exchange(ref _closedOnce, 1);
        _stop.Cancel();
        Close(_socket, _stream);
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The reader ends with the socket it was reading; nothing to report.
        }

        _stop.Dispose();
    }

    private static void Close(Socket socket, Stream? stream)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        stream?.Dispose();
        socket.Dispose();
    }

    internal static string Describe(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "",
    };

    private static string HostOf(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => dns.Host,
        IPEndPoint ip => ip.Address.ToString(),
        _ => endPoint.ToString() ?? "",
    };

    private async Task HandshakeAsync(ConfigurationOptions configuration, string clientName, CancellationToken cancellationToken)
    {
        // Pipelined: one round trip for the whole handshake.
        var commands = new ArrayBufferWriter<byte>(256);
        if (!string.IsNullOrEmpty(configuration.Password))
        {
            if (string.IsNullOrEmpty(configuration.User))
            {
                WriteCommand(commands, "AUTH", configuration.Password);
            }
            else
            {
                WriteCommand(commands, "AUTH", configuration.User, configuration.Password);
            }
        }

        WriteCommand(commands, "CLIENT", "SETNAME", clientName);
        WriteCommand(commands, "CLIENT", "ID");
        WriteCommand(commands, "SUBSCRIBE", Channel);
        await _stream.WriteAsync(commands.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);

        if (!string.IsNullOrEmpty(configuration.Password))
        {
            Expect(await ReadAsync(cancellationToken).ConfigureAwait(false), "AUTH");
        }

        Expect(await ReadAsync(cancellationToken).ConfigureAwait(false), "CLIENT SETNAME");
        ClientId = Expect(await ReadAsync(cancellationToken).ConfigureAwait(false), "CLIENT ID") is long id
            ? id
            : throw new RedisConnectionException(ConnectionFailureType.ProtocolFailure, "CLIENT ID did not answer an integer.");

        // The subscription is confirmed before the id is used: a redirect to a client not yet subscribed loses messages.
        if (Expect(await ReadAsync(cancellationToken).ConfigureAwait(false), "SUBSCRIBE") is not object?[] { Length: 3 } confirmation
            || confirmation[0] is not byte[] kind || !kind.AsSpan().SequenceEqual("subscribe"u8))
        {
            throw new RedisConnectionException(ConnectionFailureType.ProtocolFailure, $"SUBSCRIBE {Channel} was not confirmed.");
        }
    }

    private object? Expect(object? reply, string command) => reply is RespError error
        ? throw new RedisConnectionException(
            error.Message.StartsWith("WRONGPASS", StringComparison.Ordinal) || error.Message.StartsWith("NOAUTH", StringComparison.Ordinal)
                ? ConnectionFailureType.AuthenticationFailure
                : ConnectionFailureType.ProtocolFailure,
            $"The near cache's invalidation subscriber on {Describe(EndPoint)}: {command} failed: {error.Message}")
        : reply;

    private async Task ReadLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                // ["message", "__redis__:invalidate", [key, ...] | nil]
                if (await ReadAsync(_stop.Token).ConfigureAwait(false) is not object?[] { Length: 3 } push
                    || push[0] is not byte[] kind || !kind.AsSpan().SequenceEqual("message"u8))
                {
                    continue;
                }

                switch (push[2])
                {
                    case null:
                        _flush();
                        break;
                    case object?[] keys:
                        foreach (var key in keys)
                        {
                            if (key is byte[] bytes)
                            {
                                _invalidate(bytes);
                            }
                        }

                        break;
                    case byte[] single:
                        _invalidate(single);
                        break;
                }
            }
        }
        catch (Exception)
        {
            // The connection ended (or sent something that is not RESP): reported below.
        }
        finally
        {
            if (Interlocked.Exchange(ref _closedOnce, 1) == 0)
            {
                _closed(this);
            }
        }
    }

    /// <summary>One RESP2 value: string (simple), <see cref="RespError"/>, long, byte[] (bulk), object?[] (array) or null.</summary>
    private async ValueTask<object?> ReadAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line.Length == 0)
        {
            throw new RedisConnectionException(ConnectionFailureType.ProtocolFailure, "An empty RESP line.");
        }

        var body = line.AsSpan(1);
        switch (line[0])
        {
            case '+':
                return body.ToString();
            case '-':
                return new RespError(body.ToString());
            case ':':
                return long.Parse(body, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            case '$':
            {
                var length = int.Parse(body, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                var bytes = new byte[length];
                await ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
                await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                return bytes;
            }

            case '*':
            {
                var count = int.Parse(body, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadAsync(cancellationToken).ConfigureAwait(false);
                }

                return items;
            }

            default:
                throw new RedisConnectionException(ConnectionFailureType.ProtocolFailure, $"Not RESP2: '{line}'.");
        }
    }

    /// <summary>A line without its CRLF, as ASCII text (only headers are read this way, never values).</summary>
    private async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = newline > 0 && _buffer[_start + newline - 1] == '\r' ? newline - 1 : newline;
                var line = Encoding.ASCII.GetString(_buffer, _start, length);
                _start += newline + 1;
                return line;
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask ReadExactlyAsync(byte[] target, CancellationToken cancellationToken)
    {
        var copied = Math.Min(target.Length, _end - _start);
        _buffer.AsSpan(_start, copied).CopyTo(target);
        _start += copied;
        if (copied < target.Length)
        {
            await _stream.ReadExactlyAsync(target.AsMemory(copied), cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            // Keep the unread bytes at the front: a header line is short, so this rarely copies much.
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new EndOfStreamException("The server closed the invalidation connection.");
        }

        _end += read;
    }

    private static void WriteCommand(ArrayBufferWriter<byte> writer, params string[] parts)
    {
        Write(writer, $"*{parts.Length}\r\n");
        foreach (var part in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            Write(writer, $"${bytes.Length}\r\n");
            writer.Write(bytes);
            Write(writer, "\r\n");
        }
    }

    private static void Write(ArrayBufferWriter<byte> writer, string ascii) => writer.Write(Encoding.ASCII.GetBytes(ascii));

    private sealed record RespError(string Message);
}
