using Microsoft.AspNetCore.Diagnostics;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace WebFrontend.Services;

/// <summary>
/// When CatalogApi cannot serve (refused, timed out, answered 5xx, or its circuit breaker is open after such
/// failures) and the cache had nothing to serve, the answer is a 503 ProblemDetails that says so, with
/// <c>Retry-After</c>, not an anonymous 500. A write answered this way changed nothing that the replica knows of,
/// and invalidated nothing.
/// </summary>
internal sealed class CatalogUnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<CatalogUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (CatalogUnavailableException or HttpRequestException or TaskCanceledException { InnerException: TimeoutException } or TimeoutRejectedException or BrokenCircuitException)
            || httpContext.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        // CatalogApi's own Retry-After (its database's breaker), else this replica's breaker's, else its break duration.
        var retryAfter = exception switch
        {
            CatalogUnavailableException { RetryAfter: { } catalogSays } => catalogSays,
            BrokenCircuitException { RetryAfter: { } breakerSays } => breakerSays,
            _ => CatalogResilience.BreakDuration,
        };
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var write = !HttpMethods.IsGet(httpContext.Request.Method) && !HttpMethods.IsHead(httpContext.Request.Method);
        var reason = exception switch
        {
            // CatalogApi's detail says what happened to a write it received.
            CatalogUnavailableException unavailable => $"CatalogApi cannot serve: {unavailable.Problem?.Detail ?? unavailable.Problem?.Title ?? "it answered 503"}",
            BrokenCircuitException broken => $"CatalogApi failed the recent requests of this replica ({broken.InnerException?.Message ?? "no answer"}), so this one was not sent.",
            TimeoutRejectedException or TaskCanceledException => "CatalogApi did not answer in time.",
            _ => $"CatalogApi did not answer ({exception.Message}).",
        };
        // Only a request that never reached CatalogApi is known not to have been applied.
        var notSent = exception is BrokenCircuitException or HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };
        var outcome = (write, exception) switch
        {
            (false, _) => "The cache had no copy.",
            (true, CatalogUnavailableException) => "",
            (true, _) when notSent => "Nothing was written.",
            _ => "The write may or may not have been applied: read the product (its ETag) before retrying.",
        };
        // While the breaker is open its opening was logged once; each refused request is not news.
        logger.Log(exception is not BrokenCircuitException ? LogLevel.Warning : LogLevel.Debug, "CatalogApi unavailable for {Method} {Path}: {Message}", httpContext.Request.Method, httpContext.Request.Path, exception.Message);

        return await ServiceUnavailableResponse.WriteAsync(problemDetails, httpContext, exception, seconds,
            "The catalog is unavailable.", reason, outcome, circuitOpen: exception is BrokenCircuitException);
    }
}
