using System.Net.Http.Json;
using System.Text.Json;

namespace AppHost.Topologies;

/// <summary>The load balancer's admin API (<c>/_lb/...</c>, loopback + token) as the topology controller uses it.</summary>
internal sealed class LoadBalancerAdmin(HttpClient http, Uri baseAddress, string token)
{
    /// <summary>The admin token (the same one the replicas accept).</summary>
    public string Token => token;

    /// <summary>Takes <paramref name="replica"/> out of the rotation; returns the requests still in flight (0: idle).</summary>
    public async Task<int> DrainAsync(string replica, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/_lb/replicas/{replica}/drain", null, cancellationToken).ConfigureAwait(false);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return body.RootElement.GetProperty("inFlight").GetInt32();
    }

    /// <summary>Puts <paramref name="replica"/> back into the rotation.</summary>
    public async Task EnableAsync(string replica, CancellationToken cancellationToken)
        => (await SendAsync(HttpMethod.Post, $"/_lb/replicas/{replica}/enable", null, cancellationToken).ConfigureAwait(false)).Dispose();

    /// <summary>Turns cookie affinity on or off.</summary>
    public async Task SetAffinityAsync(bool enabled, CancellationToken cancellationToken)
        => (await SendAsync(HttpMethod.Put, "/_lb/affinity", JsonContent.Create(new { enabled }), cancellationToken).ConfigureAwait(false)).Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseAddress, path)) { Content = content };
        request.Headers.Add("X-Admin-Token", token);
        var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            response.Dispose();
            throw new InvalidOperationException($"The load balancer refused {method} {path} ({(int)response.StatusCode}): {body}");
        }
        return response;
    }
}
