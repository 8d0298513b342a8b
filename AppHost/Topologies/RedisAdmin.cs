using System.Net.Sockets;
using System.Text;

namespace AppHost.Topologies;

/// <summary>
/// One administrative command to one Redis node over a plain socket (AUTH, then the command): no client-side
/// cluster routing, so FLUSHALL reaches exactly the node it is sent to.
/// </summary>
internal static class RedisAdmin
{
    /// <summary>Sends AUTH + FLUSHALL to 127.0.0.1:<paramref name="port"/>; throws with Redis' error text.</summary>
    public static async Task FlushAllAsync(int port, string password, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        var request = $"*2\r\n$4\r\nAUTH\r\n${Encoding.UTF8.GetByteCount(password)}\r\n{password}\r\n*1\r\n$8\r\nFLUSHALL\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), cancellationToken).ConfigureAwait(false);
        var received = new StringBuilder();
        var buffer = new byte[512];
        while (CountLines(received) < 2)
        {
            var n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        if (received.ToString() != "+OK\r\n+OK\r\n")
        {
            throw new InvalidOperationException($"FLUSHALL on 127.0.0.1:{port} failed: {received.ToString().Trim()}");
        }
    }

    private static int CountLines(StringBuilder text)
    {
        var lines = 0;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i - 1] == '\r' && text[i] == '\n')
            {
                lines++;
            }
        }
        return lines;
    }
}
