using System.Text.Json;
using System.Text.Json.Nodes;
using LoadGen.Metrics;
using LoadGen.Running;
using LoadGen.Workloads;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LoadGen.Api;

/// <summary>LoadGen's control API: <c>/api/load/start|stop|workload|stats</c>.</summary>
public static class LoadApi
{
    /// <summary>Maps the control endpoints under <c>/api/load</c>.</summary>
    public static IEndpointRouteBuilder MapLoadApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/load").WithTags("Load");
        api.MapPost("/start", StartAsync);
        api.MapPost("/stop", StopAsync);
        api.MapPut("/workload", ReplaceWorkloadAsync);
        api.MapGet("/stats", GetStats);
        return app;
    }

    /// <summary>Starts a run; the body is a workload whose missing fields come from the configured defaults.</summary>
    public static async Task<Results<Ok<LiveStats>, ValidationProblem, ProblemHttpResult>> StartAsync(HttpRequest request, LoadService service)
    {
        var (workload, problem) = await ReadWorkloadAsync(request, service.Defaults);
        if (problem is not null)
        {
            return problem;
        }

        if (!await service.StartAsync(workload!))
        {
            return TypedResults.Problem(
                "A run is already in progress: POST /api/load/stop first, or PUT /api/load/workload to replace it.",
                statusCode: StatusCodes.Status409Conflict, title: "Load already running");
        }

        return TypedResults.Ok(service.GetStats(0));
    }

    /// <summary>Stops the run in progress and answers its figures.</summary>
    public static async Task<Results<Ok<RunSummary>, ProblemHttpResult>> StopAsync(LoadService service)
    {
        var summary = await service.StopAsync();
        return summary is null
            ? TypedResults.Problem("No run is in progress.", statusCode: StatusCodes.Status409Conflict, title: "Load not running")
            : TypedResults.Ok(summary);
    }

    /// <summary>Replaces the workload: the default of the next start, and the current run (restarted) if any.</summary>
    public static async Task<Results<Ok<LiveStats>, ValidationProblem>> ReplaceWorkloadAsync(HttpRequest request, LoadService service)
    {
        var (workload, problem) = await ReadWorkloadAsync(request, service.Defaults);
        if (problem is not null)
        {
            return problem;
        }

        await service.ReplaceAsync(workload!);
        return TypedResults.Ok(service.GetStats(0));
    }

    /// <summary>The live figures: the last <paramref name="seconds"/> seconds (default 10) and the measured window so far.</summary>
    public static Results<Ok<LiveStats>, ValidationProblem> GetStats(LoadService service, int? seconds)
    {
        if (seconds is < 0 or > 3600)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["seconds"] = ["Between 0 and 3600."] });
        }

        return TypedResults.Ok(service.GetStats(seconds ?? 10));
    }

    private static async Task<(Workload? Workload, ValidationProblem? Problem)> ReadWorkloadAsync(HttpRequest request, Workload defaults)
    {
        // Fields absent from the body keep the defaults: overlay the body on the serialized defaults, then bind.
        var options = request.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var merged = JsonSerializer.SerializeToNode(defaults, options)!.AsObject();
        try
        {
            // An empty body (or none) means "the defaults"; a body is at most a few hundred bytes, so read it whole.
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
            var text = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            if (!string.IsNullOrWhiteSpace(text))
            {
                var body = JsonNode.Parse(text);
                if (body is not JsonObject fields)
                {
                    return (null, Invalid("body", "The body must be a JSON object (a workload), e.g. { \"rate\": 500 }."));
                }

                foreach (var (name, value) in fields)
                {
                    var key = merged.Select(p => p.Key).FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));
                    if (key is null)
                    {
                        return (null, Invalid(name, $"Unknown workload field '{name}'. Known: {string.Join(", ", merged.Select(p => p.Key))}."));
                    }

                    merged[key] = value?.DeepClone();
                }
            }

            var workload = merged.Deserialize<Workload>(options)!;
            var errors = workload.Validate();
            return errors.Count > 0 ? (null, TypedResults.ValidationProblem(errors)) : (workload, null);
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body";
            return (null, Invalid(field, "Not a valid value: " + ex.Message));
        }
    }

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
