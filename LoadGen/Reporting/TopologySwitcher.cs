using System.Net.Http.Json;

namespace LoadGen.Reporting;

/// <summary>
/// Switches the sample's cache topology through the AppHost's API (<c>PUT /api/topology</c>), for <c>compare
/// --topology ...</c>: the call returns once every web replica uses the new cache.
/// </summary>
public sealed class TopologySwitcher(Uri appHostUrl) : IDisposable
{
    /// <summary>The environment variable the AppHost sets for its control API.</summary>
    public const string AppHostUrlVariable = "ControlApi__Url";

    private readonly HttpClient _http = new() { BaseAddress = appHostUrl, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>The AppHost's control API from <c>ControlApi__Url</c>, else its default port 18889.</summary>
    public static Uri DefaultAppHostUrl => new(Environment.GetEnvironmentVariable(AppHostUrlVariable) is { Length: > 0 } url ? url : "http://127.0.0.1:18889");

    /// <summary>Switches to <paramref name="topology"/>; throws with the AppHost's ProblemDetails when it refuses or fails.</summary>
    public async Task SwitchAsync(string topology, CancellationToken cancellationToken)
    {
        using var response = await _http.PutAsJsonAsync("/api/topology", new { name = topology }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"The AppHost at {_http.BaseAddress} did not switch to '{topology}' ({(int)response.StatusCode}): {body}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
