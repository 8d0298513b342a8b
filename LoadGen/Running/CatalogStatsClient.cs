using System.Text.Json;

namespace LoadGen.Running;

/// <summary>
/// Reads CatalogApi's counters (<c>GET /api/catalog/stats</c> → <c>{ "itemReads", "listReads", "writes" }</c>); the
/// database load is the growth of itemReads + listReads per second.
/// </summary>
public sealed class CatalogStatsClient(HttpClient http)
{
    /// <summary>itemReads + listReads so far, or null when CatalogApi cannot be read (the run goes on without it).</summary>
    public async Task<long?> GetReadCallsAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync("api/catalog/stats", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            var root = document.RootElement;
            return Read(root, "itemReads") + Read(root, "listReads");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static long Read(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.TryGetInt64(out var n) ? n : 0;
}
