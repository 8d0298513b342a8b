using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ServiceDefaults;

/// <summary>
/// A per-attempt timeout and retries with jittered back-off for safe methods (GET, HEAD, OPTIONS) only. Writes are
/// never retried: a PUT here bumps the row version, so sending it twice is not harmless.
/// </summary>
/// <remarks>
/// A client that measures (LoadGen) should see every failure: set <see cref="NoRetries"/> on its requests, or use
/// an HttpClient not made by IHttpClientFactory.
/// </remarks>
public sealed class ResilienceHandler : DelegatingHandler
{
    /// <summary>A request option that turns retries off for one request: <c>request.Options.Set(ResilienceHandler.NoRetries, true)</c>.</summary>
    public static readonly HttpRequestOptionsKey<bool> NoRetries = new("ServiceDefaults.NoRetries");

    private static readonly ResiliencePipeline<HttpResponseMessage> s_safePipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = 2,
            Delay = TimeSpan.FromMilliseconds(100),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .Handle<TimeoutRejectedException>()
                .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests),
            OnRetry = args =>
            {
                // The failed response is replaced by the next attempt's: release its connection now.
                args.Outcome.Result?.Dispose();
                return default;
            },
        })
        .AddTimeout(TimeSpan.FromSeconds(10))
        .Build();

    private static readonly ResiliencePipeline<HttpResponseMessage> s_unsafePipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddTimeout(TimeSpan.FromSeconds(10))
        .Build();

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var retry = IsSafe(request.Method) && !(request.Options.TryGetValue(NoRetries, out var noRetries) && noRetries);
        var pipeline = retry ? s_safePipeline : s_unsafePipeline;
        return await pipeline.ExecuteAsync(
            static (state, ct) => new ValueTask<HttpResponseMessage>(state.Handler.SendCore(state.Request, ct)),
            (Handler: this, Request: request),
            cancellationToken).ConfigureAwait(false);
    }

    private Task<HttpResponseMessage> SendCore(HttpRequestMessage request, CancellationToken cancellationToken)
        => base.SendAsync(request, cancellationToken);

    private static bool IsSafe(HttpMethod method)
        => method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options;
}
