using System.Diagnostics;
using System.Net;

namespace WebFrontend.FunctionalTests;

[Collection(StackCollection.Name)]
public sealed class TracingTests(StackFixture stack)
{
    // The OpenTelemetry Redis instrumentation's scope, which Aspire.StackExchange.Redis enables.
    private const string RedisScope = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    [Fact]
    public async Task OneReadMakesOneTraceFromWebFrontendThroughRedisAndCatalogApiToPostgres()
    {
        await using var replica = stack.Replica("webfrontend-1", stack.Otlp.Endpoint);
        using var client = replica.CreateClient();
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/products/501");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("miss", response.Cache());

        // Each process exports in its own batches: wait until every span the assertions need has arrived.
        var trace = await stack.Otlp.WaitForTraceAsync(traceId, spans =>
            spans.Any(s => s.Service == "catalogapi" && s.Scope == "Npgsql") &&
            spans.Any(s => s.Service == "catalogapi" && s.Scope == "Microsoft.AspNetCore") &&
            spans.Any(s => s.Service == "webfrontend" && s.Scope == "WebFrontend") &&
            spans.Any(s => s.Service == "webfrontend" && s.Scope == RedisScope) &&
            spans.Any(s => s.Service == "webfrontend" && s.Scope == "Microsoft.AspNetCore"));
        var description = string.Join("\n", trace.Select(s => $"{s.Service} {s.Scope} {s.Name} {s.SpanId} <- {s.ParentSpanId}"));

        var frontend = Assert.Single(trace, s => s.Service == "webfrontend" && s.Scope == "Microsoft.AspNetCore");
        Assert.Equal("GET /api/products/{id}", frontend.Name);
        var cache = Assert.Single(trace, s => s.Service == "webfrontend" && s.Scope == "WebFrontend" && s.Attributes.GetValueOrDefault("cache.result") == "miss");
        var api = Assert.Single(trace, s => s.Service == "catalogapi" && s.Scope == "Microsoft.AspNetCore");
        var redis = trace.Where(s => s.Service == "webfrontend" && s.Scope == RedisScope).ToList();
        Assert.NotEmpty(redis);
        var sql = trace.Where(s => s.Service == "catalogapi" && s.Scope == "Npgsql").ToList();
        Assert.NotEmpty(sql);

        Assert.True(IsAncestor(trace, frontend, cache), description);
        Assert.True(IsAncestor(trace, cache, api), description);
        Assert.All(redis, s => Assert.True(IsAncestor(trace, frontend, s), description));
        Assert.Contains(redis, s => s.Name is "GET" or "EVAL" or "EVALSHA");
        Assert.All(sql, s => Assert.True(IsAncestor(trace, api, s), description));
        Assert.Contains(sql, s => s.Attributes.Values.Any(v => v.Contains("products", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task HealthProbesAreNotExported()
    {
        await using var replica = stack.Replica("webfrontend-1", stack.Otlp.Endpoint);
        using var client = replica.CreateClient();
        var probeTrace = ActivityTraceId.CreateRandom().ToHexString();
        var readTrace = ActivityTraceId.CreateRandom().ToHexString();

        using var probe = new HttpRequestMessage(HttpMethod.Get, "/health");
        probe.Headers.Add("traceparent", $"00-{probeTrace}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        await client.SendAsync(probe);
        // A read after the probe: once its spans arrived, the probe's would have too.
        using var read = new HttpRequestMessage(HttpMethod.Get, "/api/products/502");
        read.Headers.Add("traceparent", $"00-{readTrace}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        await client.SendAsync(read);
        await stack.Otlp.WaitForTraceAsync(readTrace, spans => spans.Any(s => s.Service == "webfrontend" && s.Scope == "Microsoft.AspNetCore"));

        Assert.DoesNotContain(stack.Otlp.Spans, s => s.TraceId == probeTrace);
    }

    private static bool IsAncestor(IReadOnlyList<CollectedSpan> trace, CollectedSpan ancestor, CollectedSpan span)
    {
        var current = span;
        while (current.ParentSpanId.Length > 0 && trace.FirstOrDefault(s => s.SpanId == current.ParentSpanId) is { } parent)
        {
            if (parent.SpanId == ancestor.SpanId)
            {
                return true;
            }
            current = parent;
        }
        return false;
    }
}
