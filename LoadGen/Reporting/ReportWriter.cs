using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LoadGen.Metrics;

namespace LoadGen.Reporting;

/// <summary>Writes a comparison into a folder: <c>results.md</c>, <c>results.json</c> and (when node is there) <c>chart.svg</c>.</summary>
public static class ReportWriter
{
    /// <summary>The JSON shape of <c>results.json</c> and of the control API: camelCase, enums as strings.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes the Markdown table and the JSON; returns their paths.</summary>
    public static async Task<(string Markdown, string Json)> WriteAsync(string folder, CompareReport report, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(folder);
        var json = Path.Combine(folder, "results.json");
        var markdown = Path.Combine(folder, "results.md");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, JsonOptions), cancellationToken);
        await File.WriteAllTextAsync(markdown, ToMarkdown(report), cancellationToken);
        return (markdown, json);
    }

    /// <summary>The Markdown report: the machine header and one row per run.</summary>
    public static string ToMarkdown(CompareReport report)
    {
        var m = report.Machine;
        var w = report.Runs.Count > 0 ? report.Runs[0].Workload : null;
        var text = new StringBuilder();
        text.AppendLine("# LoadGen results").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {m.Cores} cores, {m.Os}, {m.Runtime}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Date: {m.Date:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{m.CommandLine}`");
        if (w is not null)
        {
            var pace = w.Mode == Workloads.LoadMode.Open ? $"open loop at {Num(w.Rate, 0)} req/s" : "closed loop";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- Workload: {pace}, {w.Concurrency} clients, {Num(w.ReadRatio * 100, 0)} % reads, Zipf {Num(w.ZipfSkew, 2)} over {w.ProductCount} products, {Num(w.DurationSeconds, 0)} s measured after {Num(w.WarmupSeconds, 0)} s warm-up{(w.Sticky ? ", sticky clients" : "")}");
        }

        text.AppendLine("- Latency from the intended start (open loop), successful requests; percentiles within 0.4 %. Stale: a read started after a write was acknowledged returned an older version.");
        text.AppendLine();
        text.AppendLine("| label | reads/s | writes/s | p50 ms | p95 ms | p99 ms | max ms | hit ratio | stale % | errors | DB calls/s |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in report.Runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Label} | {Num(r.ReadsPerSecond, 0)} | {Num(r.WritesPerSecond, 0)} | {Num(r.Latency.P50, 2)} | {Num(r.Latency.P95, 2)} | {Num(r.Latency.P99, 2)} | {Num(r.Latency.Max, 2)} | {Opt(r.HitRatio, 3)} | {Opt(r.StalePercent, 3)} | {Errors(r)} | {Opt(r.DbCallsPerSecond, 0)} |");
        }

        return text.ToString();
    }

    private static string Errors(RunSummary r) => r.Errors == 0
        ? "0"
        : r.Errors.ToString(CultureInfo.InvariantCulture) + " (" + string.Join(", ", r.ErrorsByKind.Select(e => $"{e.Key}: {e.Value}")) + ")";

    private static string Num(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    private static string Opt(double? value, int decimals) => value is { } v ? Num(v, decimals) : "n/a";
}
