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

    internal LoadBalancerRuntime(LoadBalancerResource lb, string socketPath, string mapPath)
    {
        _lb = lb;
        SocketPath = socketPath;
        MapPath = mapPath;
    }

    /// <summary>The map file naming the backend in use, when stickiness is switchable.</summary>
    public string MapPath { get; }

    /// <summary>The stickiness set at run time (null: not switched since the start).</summary>
    internal bool? StickyOverride { get; private set; }

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

    /// <summary>Requests the replica is serving right now (through every backend).</summary>
    public async Task<int> GetCurrentSessionsAsync(int replica, CancellationToken cancellationToken = default)
    {
        var total = 0;
        foreach (var backend in _lb.BackendNames)
        {
            total += int.Parse((await GetServerStatAsync(backend, replica, cancellationToken).ConfigureAwait(false))["scur"], CultureInfo.InvariantCulture);
        }
        return total;
    }

    /// <summary>Whether clients are pinned to a replica by a cookie now.</summary>
    public async Task<bool> IsStickyAsync(CancellationToken cancellationToken = default)
    {
        if (!_lb.HasSwitchableStickiness)
        {
            return _lb.TryGetLastAnnotation<StickySessionsAnnotation>(out _);
        }
        var answer = await ExecuteAsync($"show map {MapPath}", cancellationToken).ConfigureAwait(false);
        return answer.Contains(_lb.StickyBackendName, StringComparison.Ordinal);
    }

    /// <summary>
    /// Turns cookie stickiness on or off for new requests (a load balancer added with
    /// <c>WithSwitchableStickySessions</c>): <c>set map</c> on the runtime API, no reload, no request lost.
    /// </summary>
    public async Task SetStickyAsync(bool sticky, CancellationToken cancellationToken = default)
    {
        if (!_lb.HasSwitchableStickiness)
        {
            throw new InvalidOperationException($"Load balancer '{Name}' cannot switch stickiness at run time: add it with .WithSwitchableStickySessions().");
        }
        var backend = sticky ? _lb.StickyBackendName : _lb.BackendName;
        var answer = await ExecuteAsync($"set map {MapPath} {HaproxyConfig.MapKey} {backend}", cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(answer))
        {
            throw new InvalidOperationException($"HAProxy refused 'set map {MapPath} {HaproxyConfig.MapKey} {backend}': {answer.Trim()}");
        }
        StickyOverride = sticky;
        await File.WriteAllTextAsync(MapPath, HaproxyConfig.GenerateMap(_lb, sticky), cancellationToken).ConfigureAwait(false);
    }

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

    internal Task<Dictionary<string, string>> GetServerStatAsync(int replica, CancellationToken cancellationToken)
        => GetServerStatAsync(BackendName, replica, cancellationToken);

    private async Task<Dictionary<string, string>> GetServerStatAsync(string backendName, int replica, CancellationToken cancellationToken)
    {
        var server = LoadBalancerResource.ServerName(BackendName, replica);
        var csv = await ExecuteAsync("show stat", cancellationToken).ConfigureAwait(false);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            if (fields.Length > 1 && fields[0] == backendName && fields[1] == server)
            {
                var row = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < Math.Min(header.Length, fields.Length); i++)
                {
                    row[header[i]] = fields[i];
                }
                return row;
            }
        }
        throw new InvalidOperationException($"HAProxy has no server {backendName}/{server}.");
    }

    private async Task SetStateAsync(int replica, string state, CancellationToken cancellationToken)
    {
        var server = LoadBalancerResource.ServerName(BackendName, replica);
        // Every backend over the replicas: a drained replica gets no request whichever backend is in use.
        foreach (var backend in _lb.BackendNames)
        {
            var answer = await ExecuteAsync($"set server {backend}/{server} state {state}", cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrWhiteSpace(answer))
            {
                throw new InvalidOperationException($"HAProxy refused 'set server {backend}/{server} state {state}': {answer.Trim()}");
            }
        }
    }
}
