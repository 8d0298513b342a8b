using System.Text.Json;

namespace LoadGen.Lab;

/// <summary>What the control API answered.</summary>
/// <param name="Status">The HTTP status; 0 when it did not answer.</param>
/// <param name="Body">The JSON body, if any.</param>
/// <param name="Error">Why there is no answer (not configured, unreachable, not JSON), or null.</param>
public sealed record ControlResponse(int Status, JsonElement? Body, string? Error)
{
    /// <summary>The answer when no control API is configured.</summary>
    public static ControlResponse NotConfigured { get; } = new(0, null,
        "No control API: LoadGen runs without the AppHost (it sets ControlApi__Url). Topology switches and cluster operations need it.");

    /// <summary>True for a 2xx answer.</summary>
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>The ProblemDetails' detail (or title) of a refusal, else the error, else the status.</summary>
    public string Describe()
    {
        if (Body is { ValueKind: JsonValueKind.Object } body)
        {
            foreach (var name in new[] { "detail", "title" })
            {
                if (body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString()!;
                }
            }
        }

        return Error ?? $"HTTP {Status}";
    }
}
