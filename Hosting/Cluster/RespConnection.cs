using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Hosting.Cluster;

/// <summary>
/// The smallest RESP2 connection the cluster manager needs to talk to one node: one command in flight at a time,
/// string arguments, replies as <see cref="string"/>, <see cref="long"/>, <c>object?[]</c> or <c>null</c>.
/// Kept in one file so it can be swapped for RedisClient's direct connection once that exists.
/// </summary>
internal sealed class RespConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _readBuffer = new byte[64 * 1024];
    private int _readStart;
    private int _readEnd;

    private RespConnection(TcpClient tcp, string host, int port)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Host = host;
        Port = port;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>Connects and authenticates (AUTH with the cluster password when one is given).</summary>
    public static async Task<RespConnection> ConnectAsync(string host, int port, string? password, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            var connection = new RespConnection(tcp, host, port);
            if (password is not null)
            {
                await connection.ExecuteAsync(cancellationToken, "AUTH", password).ConfigureAwait(false);
            }

            return connection;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command and returns its reply; an error reply throws <see cref="RespErrorException"/>.</summary>
    public async Task<object?> ExecuteAsync(CancellationToken cancellationToken, params string[] args)
    {
        var reply = await ExecuteRawAsync(cancellationToken, args).ConfigureAwait(false);
        return reply is RespError error ? throw new RespErrorException(error.Message) : reply;
    }

    /// <summary>Sends one command and returns its reply; an error reply is returned as <see cref="RespError"/>.</summary>
    public async Task<object?> ExecuteRawAsync(CancellationToken cancellationToken, params string[] args)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(Encode(args), cancellationToken).ConfigureAwait(false);
            return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends several commands in one write and reads their replies in order (errors returned, not thrown).</summary>
    public async Task<object?[]> PipelineAsync(IReadOnlyList<string[]> commands, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var buffer = new MemoryStream();
            foreach (var command in commands)
            {
                buffer.Write(Encode(command));
            }

            await _stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
            var replies = new object?[commands.Count];
            for (var i = 0; i < replies.Length; i++)
            {
                replies[i] = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            }

            return replies;
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    private static byte[] Encode(string[] args)
    {
        var builder = new StringBuilder();
        builder.Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args)
        {
            builder.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private async Task<object?> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        var payload = line[1..];
        switch (line[0])
        {
            case '+':
                return payload;
            case '-':
                return new RespError(payload);
            case ':':
                return long.Parse(payload, CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(payload, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                var bytes = await ReadExactAsync(length + 2, cancellationToken).ConfigureAwait(false);
                return Encoding.UTF8.GetString(bytes, 0, length);
            case '*':
                var count = int.Parse(payload, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
                }

                return items;
            default:
                throw new InvalidDataException($"Unexpected RESP reply from {Host}:{Port}: '{line}'.");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var index = Array.IndexOf(_readBuffer, (byte)'\n', _readStart, _readEnd - _readStart);
            if (index > _readStart && _readBuffer[index - 1] == '\r')
            {
                var line = Encoding.UTF8.GetString(_readBuffer, _readStart, index - 1 - _readStart);
                _readStart = index + 1;
                return line;
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_readStart == _readEnd)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var take = Math.Min(count - copied, _readEnd - _readStart);
            Buffer.BlockCopy(_readBuffer, _readStart, result, copied, take);
            _readStart += take;
            copied += take;
        }

        return result;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_readStart > 0)
        {
            // Compact so a reply never needs more room than the buffer holds after what was already consumed.
            Buffer.BlockCopy(_readBuffer, _readStart, _readBuffer, 0, _readEnd - _readStart);
            _readEnd -= _readStart;
            _readStart = 0;
        }

        if (_readEnd == _readBuffer.Length)
        {
            throw new InvalidDataException($"A RESP line from {Host}:{Port} is longer than {_readBuffer.Length} bytes.");
        }

        var read = await _stream.ReadAsync(_readBuffer.AsMemory(_readEnd), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new IOException($"Redis at {Host}:{Port} closed the connection.");
        }

        _readEnd += read;
    }
}

/// <summary>An error reply (<c>-ERR ...</c>, <c>-MOVED ...</c>) returned rather than thrown.</summary>
internal sealed record RespError(string Message);

/// <summary>Thrown when a node answers a command with an error reply.</summary>
internal sealed class RespErrorException(string message) : Exception(message);
