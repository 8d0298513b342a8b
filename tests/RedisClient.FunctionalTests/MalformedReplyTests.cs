using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RedisClient.Protocol;

namespace RedisClient.FunctionalTests;

/// <summary>
/// A server that sends bytes that are not RESP cannot be a real Redis, so this one is a tiny in-process TCP server:
/// its first connection answers GET with garbage, later connections answer properly.
/// </summary>
public sealed class MalformedReplyTests
{
    [Fact]
    public async Task MalformedBytesFailTheCallWithTheOffsetThenTheConnectionIsReestablished()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var server = ServeAsync(listener, stop.Token);

        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port},syncTimeout=60000");
        var db = redis.GetDatabase();

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => db.StringGetAsync("key"));
        var protocol = Assert.IsType<RedisProtocolException>(error.InnerException);
        // +PONG (7 bytes), the -ERR answer to CLUSTER SLOTS (22), then "$3\r\nbad" (7): the CRLF was due at 36.
        Assert.True(protocol.Message.Contains("byte offset 36:", StringComparison.Ordinal), protocol.Message);
        Assert.Contains("expected CRLF after a bulk string of 3 bytes", protocol.Message);

        RedisValue value = default;
        for (var attempt = 0; attempt < 100 && value.IsNull; attempt++)
        {
            try
            {
                value = await db.StringGetAsync("key");
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal("good", (string?)value);
        await stop.CancelAsync();
        listener.Stop();
        await server;
    }

    private static async Task ServeAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        var connections = 0;
        var clients = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await listener.AcceptSocketAsync(cancellationToken);
                clients.Add(ServeOneAsync(socket, ++connections == 1, cancellationToken));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(clients);
    }

    private static async Task ServeOneAsync(Socket socket, bool broken, CancellationToken cancellationToken)
    {
        using var _ = socket;
        var buffer = new byte[4096];
        var received = new List<byte>();
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                received.AddRange(buffer.AsSpan(0, read));
                while (TryTakeCommand(received, out var command))
                {
                    var reply = command switch
                    {
                        "PING" => "+PONG\r\n",
                        "GET" when broken => "$3\r\nbadXX",
                        "GET" => "$4\r\ngood\r\n",
                        _ => "-ERR unknown command\r\n",
                    };
                    await socket.SendAsync(Encoding.ASCII.GetBytes(reply), cancellationToken);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }

    private static bool TryTakeCommand(List<byte> received, out string command)
    {
        command = "";
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(received.ToArray()));
        if (!RespParser.TryRead(ref reader, 0, out var request))
        {
            return false;
        }

        received.RemoveRange(0, (int)reader.Consumed);
        command = request.Items![0].ToString();
        return true;
    }
}
