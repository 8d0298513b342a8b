using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Services;

/// <summary>
/// When CatalogApi cannot be reached (refused, timed out after retries, or answered 5xx) and the cache had
/// nothing to serve, the answer is a 503 ProblemDetails that says so, not an anonymous 500.
/// </summary>
internal sealed class CatalogUnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<CatalogUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (HttpRequestException or TaskCanceledException { InnerException: TimeoutException } or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
            || httpContext.RequestAborted.IsCancellationRequested)
        {
            return false;
        }
        logger.LogWarning("CatalogApi unavailable for {Path}: {Message}", httpContext.Request.Path, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The catalog is unavailable.",
                Detail = "CatalogApi did not answer and the cache had no copy; retry shortly.",
            },
        });
    }
}
