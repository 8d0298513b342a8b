using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Dashboard;

/// <summary>
/// The OTLP/HTTP endpoints services export to. For now they accept and discard the data, so exporters do not log
/// errors; storing and showing traces is the dashboard's next step.
/// </summary>
public static class OtlpReceiver
{
    /// <summary>Maps POST /v1/traces, /v1/metrics and /v1/logs.</summary>
    public static IEndpointRouteBuilder MapOtlpReceiver(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var signal in (string[])["traces", "metrics", "logs"])
        {
            endpoints.MapPost($"/v1/{signal}", DiscardAsync);
        }
        return endpoints;
    }

    private static async Task<Ok> DiscardAsync(HttpRequest request)
    {
        await request.Body.CopyToAsync(Stream.Null).ConfigureAwait(false);
        return TypedResults.Ok();
    }
}
