using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Hosting.ApplicationModel;

namespace Hosting.LoadBalancing;

/// <summary>
/// Talks to a running HAProxy through its admin runtime socket: drain, enable or disable a replica, and read its
/// current sessions, so a replica can be restarted while the load balancer keeps serving.
/// </summary>
public sealed class LoadBalancerRuntime
{
    private readonly LoadBalancerResource _lb;

    internal LoadBalancerRuntime(LoadBalancerResource lb, string socketPath)
    {
        _lb = lb;
        SocketPath = socketPath;
    }

    /// <summary>The load balancer resource name.</summary>
    public string Name => _lb.Name;

    /// <summary>The admin socket (<c>stats socket ... level admin</c>).</summary>
    public string SocketPath { get; }

    /// <summary>The project or executable behind the load balancer.</summary>
    public string BackendName => _lb.BackendName;

    /// <summary>Stops sending new requests to the replica; requests in flight finish.</summary>
    public Task DrainAsync(int replica, CancellationToken cancellationToken = default) => SetStateAsync(replica, "drain", cancellationToken);

    /// <summary>Sends traffic to the replica again (once its health check passes).</summary>
    public Task EnableAsync(int replica, CancellationToken cancellationToken = default) => SetStateAsync(replica, "ready", cancellationToken);

    /// <summary>Takes the replica out completely (maintenance).</summary>
    public Task DisableAsync(int replica, CancellationToken cancellationToken = default) => SetStateAsync(replica, "maint", cancellationToken);

    /// <summary>Requests the replica is serving right now.</summary>
    public async Task<int> GetCurrentSessionsAsync(int replica, CancellationToken cancellationToken = default)
        => int.Parse((await GetServerStatAsync(replica, cancellationToken).ConfigureAwait(false))["scur"], CultureInfo.InvariantCulture);

    /// <summary>HAProxy's view of the replica: UP, DOWN, DRAIN, MAINT, "UP 1/2", ...</summary>
    public async Task<string> GetStatusAsync(int replica, CancellationToken cancellationToken = default)
        => (await GetServerStatAsync(replica, cancellationToken).ConfigureAwait(false))["status"];

    /// <summary>Completes when the replica has no request in flight, or after <paramref name="timeout"/>; true when drained.</summary>
    public async Task<bool> WaitForNoSessionsAsync(int replica, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (await GetCurrentSessionsAsync(replica, cts.Token).ConfigureAwait(false) > 0)
            {
                await Task.Delay(50, cts.Token).ConfigureAwait(false);
            }
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Sends one runtime API command (e.g. "show stat") and returns HAProxy's answer.</summary>
    public async Task<string> ExecuteAsync(string command, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken).ConfigureAwait(false);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), cancellationToken).ConfigureAwait(false);
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return answer.ToString();
    }

    internal async Task<Dictionary<string, string>> GetServerStatAsync(int replica, CancellationToken cancellationToken)
    {
        var server = LoadBalancerResource.ServerName(BackendName, replica);
        var csv = await ExecuteAsync("show stat", cancellationToken).ConfigureAwait(false);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            if (fields.Length > 1 && fields[0] == BackendName && fields[1] == server)
            {
                var row = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < Math.Min(header.Length, fields.Length); i++)
                {
                    row[header[i]] = fields[i];
                }
                return row;
            }
        }
        throw new InvalidOperationException($"HAProxy has no server {BackendName}/{server}.");
    }

    private async Task SetStateAsync(int replica, string state, CancellationToken cancellationToken)
    {
        var server = LoadBalancerResource.ServerName(BackendName, replica);
        var answer = await ExecuteAsync($"set server {BackendName}/{server} state {state}", cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(answer))
        {
            throw new InvalidOperationException($"HAProxy refused 'set server {BackendName}/{server} state {state}': {answer.Trim()}");
        }
    }
}
