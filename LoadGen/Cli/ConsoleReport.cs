using System.Globalization;
using LoadGen.Metrics;
using LoadGen.Running;
using Spectre.Console;

namespace LoadGen.Cli;

/// <summary>What the CLI shows: a progress bar with the live figures while a run goes, then a table.</summary>
internal static class ConsoleReport
{
    /// <summary>
    /// Runs <paramref name="run"/> while showing <paramref name="runner"/>'s live figures: a progress bar on a terminal,
    /// a line every few seconds in a log (CI, redirected output) where a redrawn bar would be noise.
    /// </summary>
    public static async Task<RunSummary> FollowAsync(LoadRunner runner, string label, Func<Task<RunSummary>> run)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var running = run();
            while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5))) != running)
            {
                AnsiConsole.WriteLine(Describe(label, runner.GetLiveStats(1)));
            }

            return await running;
        }

        RunSummary? summary = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var w = runner.Workload;
                var task = context.AddTask(Markup.Escape(label), maxValue: Math.Max(w.WarmupSeconds + w.DurationSeconds, 1));
                var running = run();
                while (await Task.WhenAny(running, Task.Delay(500)) != running)
                {
                    var live = runner.GetLiveStats(1);
                    task.Value = Math.Min(live.ElapsedSeconds, task.MaxValue);
                    task.Description = Markup.Escape(Describe(label, live));
                }

                task.Value = task.MaxValue;
                summary = await running;
            });
        return summary!;
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
