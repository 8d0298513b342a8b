using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly.CircuitBreaker;

namespace CatalogApi.Infrastructure;

/// <summary>
/// Answers a request that failed because PostgreSQL is unreachable (or the breaker is open because it was) with 503,
/// <c>Retry-After</c> (when the breaker will let a request try again) and a ProblemDetails that names the database
/// and the cause, instead of an anonymous 500.
/// </summary>
internal sealed class DatabaseUnavailableExceptionHandler(
    IProblemDetailsService problemDetails,
    IOptionsMonitor<CircuitBreakerStrategyOptions> breakerOptions,
    IConfiguration configuration,
    ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseCircuitBreaker.IsUnavailable(exception) || httpContext.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        var broken = exception as BrokenCircuitException;
        // While open, the breaker knows when it lets a request through; a failure it let through may open it.
        var retryAfter = broken?.RetryAfter ?? breakerOptions.Get(DatabaseCircuitBreaker.PipelineName).BreakDuration;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var cause = DatabaseCircuitBreaker.Cause(broken?.InnerException ?? exception);
        var database = Endpoint(configuration.GetConnectionString("catalogdb"));
        var write = !HttpMethods.IsGet(httpContext.Request.Method) && !HttpMethods.IsHead(httpContext.Request.Method);
        var outcome = (broken, write) switch
        {
            (not null, _) => "Nothing was sent to the database.",
            (null, true) => "A write whose connection broke may or may not have been applied: read the item (its version says) before retrying.",
            _ => "",
        };
        var what = broken is null
            ? $"PostgreSQL at {database} did not answer ({cause})."
            : $"PostgreSQL at {database} did not answer recent requests ({cause}), so this one was refused at once.";
        // While the breaker is open its opening was logged once; each refused request is not news.
        logger.Log(broken is null ? LogLevel.Warning : LogLevel.Debug, "{Method} {Path}: the database at {Database} is unavailable ({Cause})", httpContext.Request.Method, httpContext.Request.Path, database, cause);

        return await ServiceUnavailableResponse.WriteAsync(problemDetails, httpContext, exception, seconds,
            "The catalog database is unavailable.", what, outcome, circuitOpen: broken is not null,
            [new("database", database), new("cause", cause)]).ConfigureAwait(false);
    }

    // Host and port only: the connection string also holds the password.
    private static string Endpoint(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return "(no ConnectionStrings:catalogdb)";
        }
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return string.Create(CultureInfo.InvariantCulture, $"{builder.Host}:{builder.Port}/{builder.Database}");
    }
}
