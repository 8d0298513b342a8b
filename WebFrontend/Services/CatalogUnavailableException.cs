using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Services;

/// <summary>
/// CatalogApi answered 503: it runs, but cannot serve (its database is down). Carries CatalogApi's
/// <c>Retry-After</c> and ProblemDetails so that the storefront's own 503 passes them on.
/// </summary>
public sealed class CatalogUnavailableException : Exception
{
    private CatalogUnavailableException(string message, TimeSpan? retryAfter, ProblemDetails? problem)
        : base(message)
    {
        RetryAfter = retryAfter;
        Problem = problem;
    }

    /// <summary>When CatalogApi said to try again, if it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>CatalogApi's ProblemDetails, if it sent one.</summary>
    public ProblemDetails? Problem { get; }

    /// <summary>Throws when <paramref name="response"/> is a 503; does nothing otherwise.</summary>
    public static async Task ThrowIfUnavailableAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            return;
        }
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        ProblemDetails? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken).ConfigureAwait(false);
            }
            catch (System.Text.Json.JsonException)
            {
                // The status says enough.
            }
        }
        throw new CatalogUnavailableException($"CatalogApi answered 503: {problem?.Detail ?? problem?.Title ?? "no reason given"}", retryAfter, problem);
    }
}
