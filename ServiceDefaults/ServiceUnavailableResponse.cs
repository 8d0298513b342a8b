using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The answer of a service whose dependency is down: 503 with <c>Retry-After</c> and a ProblemDetails whose detail
/// joins what happened, what became of the request, and when to retry (CatalogApi for its database, WebFrontend for
/// CatalogApi).
/// </summary>
public static class ServiceUnavailableResponse
{
    /// <summary>Writes the answer; false when no ProblemDetails writer took it.</summary>
    /// <param name="what">What happened (e.g. "PostgreSQL at … did not answer (…).").</param>
    /// <param name="outcome">What became of the request ("Nothing was written."), or empty.</param>
    /// <param name="extensions">
    /// Extra members; <c>retryAfterSeconds</c> is added, and <c>circuit</c> (<c>open</c>: the breaker answered without
    /// trying; <c>closed</c>: this request tried).
    /// </param>
    public static ValueTask<bool> WriteAsync(
        IProblemDetailsService problemDetails,
        HttpContext httpContext,
        Exception exception,
        int retryAfterSeconds,
        string title,
        string what,
        string outcome,
        bool circuitOpen,
        IEnumerable<KeyValuePair<string, object?>>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(problemDetails);
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = title,
            Detail = string.Join(' ', new[] { what, outcome, $"Retry after {retryAfterSeconds} s." }.Where(p => p.Length > 0)),
        };
        foreach (var (key, value) in extensions ?? [])
        {
            problem.Extensions[key] = value;
        }
        problem.Extensions["retryAfterSeconds"] = retryAfterSeconds;
        problem.Extensions["circuit"] = circuitOpen ? "open" : "closed";
        return problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }
}
