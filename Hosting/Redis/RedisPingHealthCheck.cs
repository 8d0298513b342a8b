using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Healthy when <c>AUTH password</c> + <c>PING</c> answer <c>+OK</c> and <c>+PONG</c> on a fresh socket.
/// A socket rather than a StackExchange.Redis multiplexer: a multiplexer kept per check would reconnect in the
/// background forever while the server is stopped (explicit start), and one made per check costs a handshake of
/// several commands every few seconds; two inline commands prove the same thing, authentication included.
/// </summary>
internal sealed class RedisPingHealthCheck(int port, ParameterResource password) : IHealthCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var secret = await password.GetValueAsync(cancellationToken).ConfigureAwait(false) ?? string.Empty;
        return await PingAsync(port, secret, cancellationToken).ConfigureAwait(false) is { } problem
            ? HealthCheckResult.Unhealthy(problem)
            : HealthCheckResult.Healthy();
    }

    /// <summary>Null when the server answered PING after AUTH; otherwise what went wrong.</summary>
    internal static async Task<string?> PingAsync(int port, string password, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var request = Encoding.UTF8.GetBytes(
                $"*2\r\n$4\r\nAUTH\r\n${Encoding.UTF8.GetByteCount(password)}\r\n{password}\r\n*1\r\n$4\r\nPING\r\n");
            await stream.WriteAsync(request, timeout.Token).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            var auth = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            var ping = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            return auth == "+OK" && ping == "+PONG" ? null : $"127.0.0.1:{port} answered '{auth}' to AUTH and '{ping}' to PING.";
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"127.0.0.1:{port} does not answer: {ex.Message}";
        }
    }
}
