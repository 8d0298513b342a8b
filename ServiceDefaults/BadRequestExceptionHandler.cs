using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ServiceDefaults;

/// <summary>
/// Turns a request the framework could not bind (malformed or unknown JSON, wrong content type, missing or
/// oversized body) into ProblemDetails that say why, with the framework's status (400, 413 or 415).
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        // Kestrel's body size limit surfaces inside the JSON reader, wrapped in a 400 for the parameter: the
        // innermost status says what really happened.
        for (var cause = bad.InnerException; cause is not null; cause = cause.InnerException)
        {
            if (cause is BadHttpRequestException innerBad)
            {
                bad = innerBad;
            }
        }
        httpContext.Response.StatusCode = bad.StatusCode;
        // The inner JsonException names the property or path that was wrong; the outer message names the parameter.
        var detail = bad.InnerException is { } inner ? $"{bad.Message} {inner.Message}" : bad.Message;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                    StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON (Content-Type: application/json).",
                    _ => "The request could not be read.",
                },
                Detail = detail,
            },
        }).ConfigureAwait(false);
    }
}
