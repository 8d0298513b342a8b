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
    /// plain lines in a log (CI, redirected output) where a redrawn bar would be noise: one when the run starts, one
    /// every <paramref name="every"/> (default: a tenth of the run, between 1 and 5 s), one when it ends.
    /// </summary>
    public static async Task<RunSummary> FollowAsync(LoadRunner runner, string label, Func<Task<RunSummary>> run, IAnsiConsole? console = null, TimeSpan? every = null)
    {
        console ??= AnsiConsole.Console;
        var w = runner.Workload;
        var total = w.WarmupSeconds + w.DurationSeconds;
        if (!console.Profile.Capabilities.Interactive)
        {
            var interval = every ?? TimeSpan.FromSeconds(Math.Clamp(total / 10, 1, 5));
            var pace = w.Mode == Workloads.LoadMode.Open ? $"open loop {F(w.Rate, 0)}/s" : "closed loop";
            var length = w.DurationSeconds > 0 ? $"{F(w.DurationSeconds, 1)} s after {F(w.WarmupSeconds, 1)} s of warm-up" : "until stopped";
            console.WriteLine($"{label}: started, {pace}, {w.Concurrency} clients, {F(w.ReadRatio * 100, 0)} % reads, {length}");
            var started = TimeProvider.System.GetTimestamp();
            var running = run();
            while (await Task.WhenAny(running, Task.Delay(interval)) != running)
            {
                console.WriteLine(Describe(label, runner.GetLiveStats(1), w.DurationSeconds > 0 ? total : null));
            }

            var summary = await running;
            console.WriteLine($"{label}: done in {F(TimeProvider.System.GetElapsedTime(started).TotalSeconds, 1)} s");
            return summary;
        }

        RunSummary? result = null;
        await console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(label), maxValue: Math.Max(total, 1));
                var running = run();
                while (await Task.WhenAny(running, Task.Delay(500)) != running)
                {
                    var live = runner.GetLiveStats(1);
                    task.Value = Math.Min(live.ElapsedSeconds, task.MaxValue);
                    task.Description = Markup.Escape(Describe(label, live, total: null));
                }

                task.Value = task.MaxValue;
                result = await running;
            });
        return result!;
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

    private static string Describe(string label, LiveStats live, double? total)
    {
        var phase = live.State == RunState.Warmup ? "warm-up" : live.State.ToString().ToLowerInvariant();
        // In a log there is no bar: say where the run is in words.
        if (total is > 0)
        {
            phase += $" {F(live.ElapsedSeconds, 0)}/{F(total.Value, 0)} s";
        }

        if (live.LastSeconds is not [.., var s])
        {
            return $"{label}: {phase}";
        }

        var hit = s.HitRatio is { } h ? F(h, 2) : "n/a";
        return $"{label}: {phase}, {s.ReadsPerSecond} reads/s, {s.WritesPerSecond} writes/s, p99 {F(s.Latency.P99, 1)} ms, hit {hit}, stale {s.StaleReads}, errors {s.Errors}";
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
