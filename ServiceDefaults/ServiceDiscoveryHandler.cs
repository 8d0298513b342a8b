using Microsoft.Extensions.Configuration;

namespace ServiceDefaults;

/// <summary>
/// Resolves logical addresses such as <c>http://catalogapi</c> to the endpoint the orchestrator published in
/// <c>services__catalogapi__http__0</c> (configuration key <c>services:catalogapi:http:0</c>), as Aspire's
/// configuration-based service discovery does. Addresses without such an entry pass through unchanged.
/// </summary>
public sealed class ServiceDiscoveryHandler(IConfiguration configuration) : DelegatingHandler
{
    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { IsAbsoluteUri: true } uri && Resolve(uri) is { } resolved)
        {
            request.RequestUri = resolved;
        }
        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>The address with the host replaced by the configured endpoint, or null when none is configured.</summary>
    public Uri? Resolve(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var configured = configuration[$"services:{uri.Host}:{uri.Scheme}:0"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return null;
        }
        if (!Uri.TryCreate(configured, UriKind.Absolute, out var endpoint))
        {
            throw new InvalidOperationException(
                $"The endpoint '{configured}' in 'services__{uri.Host}__{uri.Scheme}__0' is not an absolute URL; set it like 'http://127.0.0.1:5000'.");
        }
        return new UriBuilder(uri) { Scheme = endpoint.Scheme, Host = endpoint.Host, Port = endpoint.Port }.Uri;
    }
}
