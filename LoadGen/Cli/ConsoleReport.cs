using System.Globalization;
using LoadGen.Metrics;
using LoadGen.Running;
using Spectre.Console;

namespace LoadGen.Cli;

/// <summary>What the CLI shows: a progress bar with the live figures while a run goes, then a table.</summary>
internal static class ConsoleReport
{
    /// <summary>Runs <paramref name="run"/> while a progress bar follows <paramref name="runner"/>'s live figures.</summary>
    public static async Task<RunSummary> FollowAsync(ProgressContext context, LoadRunner runner, string label, Func<Task<RunSummary>> run)
    {
        var w = runner.Workload;
        var total = w.WarmupSeconds + w.DurationSeconds;
        var task = context.AddTask(Markup.Escape(label), maxValue: Math.Max(total, 1));
        var running = run();
        var lastLine = DateTime.UtcNow;
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(500));
            var live = runner.GetLiveStats(1);
            task.Value = Math.Min(live.ElapsedSeconds, task.MaxValue);
            var line = Describe(label, live);
            task.Description = Markup.Escape(line);
            if (!AnsiConsole.Profile.Capabilities.Interactive && DateTime.UtcNow - lastLine > TimeSpan.FromSeconds(5))
            {
                // Logs (CI, a redirected output) get a line every few seconds instead of a redrawn bar.
                AnsiConsole.WriteLine(line);
                lastLine = DateTime.UtcNow;
            }
        }

        task.Value = task.MaxValue;
        return await running;
    }

    /// <summary>The final table of one or more runs.</summary>
    public static Table Table(IEnumerable<RunSummary> runs)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "label", "reads/s", "writes/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "hit ratio", "stale %", "errors", "DB calls/s" })
        {
            var tableColumn = new TableColumn(column);
            table.AddColumn(column == "label" ? tableColumn.LeftAligned() : tableColumn.RightAligned());
        }

        foreach (var r in runs)
        {
            table.AddRow(
                Markup.Escape(r.Label),
                F(r.ReadsPerSecond, 0), F(r.WritesPerSecond, 0),
                F(r.Latency.P50, 2), F(r.Latency.P95, 2), F(r.Latency.P99, 2), F(r.Latency.Max, 2),
                r.HitRatio is { } h ? F(h, 3) : "n/a",
                r.StalePercent is { } s ? F(s, 3) : "n/a",
                r.Errors == 0 ? "0" : Markup.Escape($"{r.Errors} ({string.Join(", ", r.ErrorsByKind.Select(e => $"{e.Key}: {e.Value}"))})"),
                r.DbCallsPerSecond is { } d ? F(d, 0) : "n/a");
        }

        return table;
    }

    private static string Describe(string label, LiveStats live)
    {
        var phase = live.State == RunState.Warmup ? "warm-up" : live.State.ToString().ToLowerInvariant();
        if (live.LastSeconds is not [.., var s])
        {
            return $"{label}: {phase}";
        }

        var hit = s.HitRatio is { } h ? F(h, 2) : "n/a";
        return $"{label}: {phase}, {s.ReadsPerSecond} reads/s, {s.WritesPerSecond} writes/s, p99 {F(s.Latency.P99, 1)} ms, hit {hit}, stale {s.StaleReads}, errors {s.Errors}";
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
