using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ServiceDefaults;

/// <summary>
/// A per-attempt timeout and retries with jittered back-off for safe methods (GET, HEAD, OPTIONS) only. Writes are
/// never retried: a PUT here bumps the row version, so sending it twice is not harmless.
/// </summary>
public sealed class ResilienceHandler : DelegatingHandler
{
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
        var pipeline = IsSafe(request.Method) ? s_safePipeline : s_unsafePipeline;
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
