using System.Net.Http.Json;
using System.Text.Json;

namespace LoadGen.Lab;

/// <summary>
/// The AppHost's control API (<c>ControlApi:Url</c>, env <c>ControlApi__Url</c>): topology status and switch, the
/// cluster's state and operations, the resources. Answers are passed on as JSON so that a field the AppHost adds
/// does not break the page.
/// </summary>
/// <remarks>
/// Its own HttpClient, not the factory's: ServiceDefaults' resilience handler would retry a switch or an
/// "add master" (not idempotent) and cut them at its attempt timeout, while a cluster operation may take a minute.
/// </remarks>
public sealed class ControlApiClient : IDisposable
{
    private readonly HttpClient? _http;

    /// <summary>A client for <paramref name="baseUrl"/>; null leaves it unconfigured (every call answers 503).</summary>
    public ControlApiClient(Uri? baseUrl)
    {
        BaseUrl = baseUrl;
        if (baseUrl is not null)
        {
            _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
            {
                BaseAddress = baseUrl,
                Timeout = TimeSpan.FromMinutes(3),
            };
        }
    }

    /// <summary>The control API's address, or null when LoadGen runs without an AppHost.</summary>
    public Uri? BaseUrl { get; }

    /// <summary>True when a control API is configured.</summary>
    public bool IsConfigured => _http is not null;

    /// <summary><c>GET /api/topology</c>.</summary>
    public Task<ControlResponse> GetTopologyAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "api/topology", null, cancellationToken);

    /// <summary><c>PUT /api/topology</c>: returns when the switch is done (or refused).</summary>
    public Task<ControlResponse> SwitchTopologyAsync(string name, int? waitForReplicas, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "api/topology", JsonContent.Create(new { name, waitForReplicas }), cancellationToken);

    /// <summary><c>GET /api/resources</c>.</summary>
    public Task<ControlResponse> GetResourcesAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "api/resources", null, cancellationToken);

    /// <summary><c>GET /api/clusters/{name}</c>: nodes, roles, slot ranges.</summary>
    public Task<ControlResponse> GetClusterAsync(string cluster, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/clusters/{Uri.EscapeDataString(cluster)}", null, cancellationToken);

    /// <summary><c>GET /api/clusters/{name}/events</c>: the last steps of its operations, self-healing's included.</summary>
    public Task<ControlResponse> GetClusterEventsAsync(string cluster, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/clusters/{Uri.EscapeDataString(cluster)}/events", null, cancellationToken);

    /// <summary>Runs a cluster operation; returns when it is done (or refused).</summary>
    public Task<ControlResponse> RunClusterOperationAsync(string cluster, ClusterOperation operation, string? nodeId, CancellationToken cancellationToken)
    {
        var root = $"api/clusters/{Uri.EscapeDataString(cluster)}";
        var node = nodeId is null ? null : Uri.EscapeDataString(nodeId);
        var (method, path) = operation switch
        {
            ClusterOperation.AddMaster => (HttpMethod.Post, $"{root}/masters"),
            ClusterOperation.AddReplica => (HttpMethod.Post, node is null ? $"{root}/replicas" : $"{root}/replicas?masterId={node}"),
            ClusterOperation.RemoveNode => (HttpMethod.Delete, $"{root}/nodes/{node}"),
            ClusterOperation.KillMaster => (HttpMethod.Post, node is null ? $"{root}/failover" : $"{root}/failover?nodeId={node}"),
            ClusterOperation.RestartNode => (HttpMethod.Post, $"{root}/nodes/{node}/restart"),
            ClusterOperation.Reset => (HttpMethod.Post, $"{root}/reset"),
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Not a cluster operation."),
        };
        return SendAsync(method, path, null, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _http?.Dispose();

    private async Task<ControlResponse> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        if (_http is null)
        {
            return ControlResponse.NotConfigured;
        }

        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = content };
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement? body = null;
            if (!string.IsNullOrWhiteSpace(text))
            {
                try
                {
                    body = JsonDocument.Parse(text).RootElement.Clone();
                }
                catch (JsonException)
                {
                    // Not JSON (a proxy's error page): keep the text for the message.
                }
            }

            return new ControlResponse((int)response.StatusCode, body, body is null && text.Length > 0 ? text[..Math.Min(text.Length, 500)] : null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ControlResponse(0, null, $"The AppHost's control API at {BaseUrl} did not answer: {ex.Message}");
        }
    }
}
