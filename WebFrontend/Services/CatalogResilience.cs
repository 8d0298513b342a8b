using System.Net;
using Microsoft.Extensions.Http.Resilience;

namespace WebFrontend.Services;

/// <summary>
/// The resilience of the CatalogApi client, tuned for it instead of ServiceDefaults' handler for every client:
/// that one is a single pipeline shared by every HttpClient of the process (registered without a client name, so any
/// client's failures open and close one circuit breaker for all), and its defaults let one
/// read of a dead or hung CatalogApi wait 3 attempts × 10 s. Here a cache miss whose CatalogApi call fails costs
/// one fast failure: CatalogApi's own 503 with <c>Retry-After</c> is not retried, and after a few failures the
/// breaker answers at once for <see cref="BreakDuration"/>, then lets one request try again.
/// </summary>
public static class CatalogResilience
{
    /// <summary>How long the breaker stays open before one request tries CatalogApi again.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(2);

    /// <summary>The name of the client's pipeline and of its <see cref="HttpStandardResilienceOptions"/>.</summary>
    public const string PipelineName = nameof(CatalogClient) + "-standard";

    /// <summary>Replaces the default resilience handler of the CatalogApi client with one tuned for it.</summary>
    public static IHttpClientBuilder AddCatalogApiResilience(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
#pragma warning disable EXTEXP0001 // Experimental: the API made to swap the defaults' handler for a client's own.
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.AddStandardResilienceHandler(o =>
        {
            // A read of one product takes milliseconds; 5 s covers CatalogApi queueing under a saturating load,
            // and two attempts at most fit in the 10 s a LoadGen client or a person waits.
            o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(5);
            o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(10);

            // CatalogApi answering 503 with Retry-After says its database is down: a retry 100 ms later only adds
            // a call (and the standard retry would wait the whole Retry-After). Other transient failures of a GET
            // are retried twice, quickly; a PUT bumps the row version, so it is never sent twice.
            o.Retry.ShouldHandle = args => ValueTask.FromResult(
                HttpClientResiliencePredicates.IsTransient(args.Outcome)
                && args.Outcome.Result is not { StatusCode: HttpStatusCode.ServiceUnavailable, Headers.RetryAfter: not null });
            o.Retry.DisableForUnsafeHttpMethods();
            o.Retry.MaxRetryAttempts = 2;
            o.Retry.Delay = TimeSpan.FromMilliseconds(100);
            o.Retry.ShouldRetryAfterHeader = false;

            // Open after half of at least 5 calls in 10 s failed (the default needs 100 calls, which the misses of
            // a well-cached replica do not make in 30 s); sampling at least twice the attempt timeout, as required.
            o.CircuitBreaker.FailureRatio = 0.5;
            o.CircuitBreaker.MinimumThroughput = 5;
            o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(10);
            o.CircuitBreaker.BreakDuration = BreakDuration;
        });
        return builder;
    }
}
