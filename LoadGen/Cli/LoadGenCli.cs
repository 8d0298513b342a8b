using System.CommandLine;
using System.Text.Json;
using LoadGen.Metrics;
using LoadGen.Reporting;
using LoadGen.Running;
using Spectre.Console;

namespace LoadGen.Cli;

/// <summary>
/// The command line: <c>run</c> (one system) and <c>compare</c> (several, same workload, report in a folder).
/// Without one of these commands the same program is the LoadGen web service.
/// </summary>
public static class LoadGenCli
{
    private static readonly string[] s_commands = ["run", "compare", "--help", "-h", "-?", "--version"];

    /// <summary>True when the arguments ask for the CLI rather than the web service.</summary>
    public static bool IsCommand(string[] args) => args.Length > 0 && s_commands.Contains(args[0], StringComparer.Ordinal);

    /// <summary>Parses and runs a command; returns the process exit code (0 done, 1 failed, 2 bad arguments).</summary>
    public static Task<int> InvokeAsync(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // Logs and files are not 80 columns wide; keep the table on one line per run.
            AnsiConsole.Profile.Width = 160;
        }

        return CreateRootCommand(args).Parse(args).InvokeAsync();
    }

    private static RootCommand CreateRootCommand(string[] args)
    {
        var commandLine = "dotnet LoadGen.dll " + string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
        var root = new RootCommand("LoadGen: traffic through the load balancer; measures throughput, latency, hit ratio, stale reads, errors and database load.");
        root.Add(CreateRunCommand());
        root.Add(CreateCompareCommand(commandLine));
        return root;
    }

    private static Command CreateRunCommand()
    {
        var workloadOptions = new WorkloadOptions();
        var baseUrl = new Option<string>("--base-url", "-u") { Description = "The load balancer, e.g. http://127.0.0.1:8080.", Required = true };
        var catalogUrl = new Option<string?>("--catalog-url") { Description = "CatalogApi's base URL, for the database load (optional)." };
        var label = new Option<string?>("--label") { Description = "The run's name in the output (default: the base URL)." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the run's figures to this JSON file." };
        var command = new Command("run", "Runs one workload against one base URL and prints the figures.") { baseUrl, catalogUrl, label, json };
        workloadOptions.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var workload = workloadOptions.Build(result, result.GetValue(baseUrl), result.GetValue(catalogUrl));
            if (!IsValid(workload))
            {
                return 2;
            }

            var name = result.GetValue(label) ?? workload.BaseUrl!;
            await using var runner = new LoadRunner(workload, name);
            var summary = await ConsoleReport.FollowAsync(runner, name, () => runner.RunAsync(cancellationToken));
            AnsiConsole.Write(ConsoleReport.Table([summary]));
            if (result.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(summary, ReportWriter.JsonOptions), CancellationToken.None);
                AnsiConsole.WriteLine("Figures written: " + file.FullName);
            }

            return 0;
        });
        return command;
    }

    private static Command CreateCompareCommand(string commandLine)
    {
        var workloadOptions = new WorkloadOptions();
        var baseUrls = new Option<string[]>("--base-url", "-u") { Description = "A system to measure; repeat for each one, in order.", Required = true };
        var labels = new Option<string[]>("--label") { Description = "The name of each system, in the same order (default: its URL)." };
        var catalogUrls = new Option<string[]>("--catalog-url") { Description = "CatalogApi's base URL: once for all systems, or once per system." };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for results.md, results.json and chart.svg.", DefaultValueFactory = _ => new DirectoryInfo("loadgen-results") };
        var topologies = new Option<string[]>("--topology") { Description = "A cache topology to switch the sample to before a run (repeat: one run each, through the same --base-url)." };
        var appHostUrl = new Option<string?>("--apphost-url") { Description = $"The AppHost's control API for --topology (default: ${TopologySwitcher.AppHostUrlVariable} or http://127.0.0.1:18889)." };
        var command = new Command("compare", "Runs the same workload against each base URL (or topology) in turn and writes a Markdown table, JSON and a chart.")
        {
            baseUrls, labels, catalogUrls, output, topologies, appHostUrl,
        };
        workloadOptions.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var urls = result.GetValue(baseUrls) ?? [];
            var names = result.GetValue(labels) ?? [];
            var switchTo = result.GetValue(topologies) ?? [];
            if (switchTo.Length > 0)
            {
                if (urls.Length != 1)
                {
                    return Fail("With --topology, give the load balancer once as --base-url: every topology is measured through it.");
                }

                // One run per topology, through the same load balancer; labels default to the topology names.
                urls = [.. switchTo.Select(_ => urls[0])];
                names = names.Length == 0 ? switchTo : names;
            }

            var catalogs = result.GetValue(catalogUrls) ?? [];
            if (names.Length != 0 && names.Length != urls.Length)
            {
                return Fail($"Give one --label per --base-url ({urls.Length}), or none.");
            }

            if (catalogs.Length > 1 && catalogs.Length != urls.Length)
            {
                return Fail($"Give --catalog-url once for all systems or once per --base-url ({urls.Length}).");
            }

            var targets = urls.Select((url, i) => new CompareTarget(
                names.Length > 0 ? names[i] : url,
                url,
                catalogs.Length == 0 ? null : catalogs[Math.Min(i, catalogs.Length - 1)])).ToList();
            var workload = workloadOptions.Build(result, urls.FirstOrDefault(), catalogs.FirstOrDefault());
            if (!targets.All(t => IsValid(workload with { BaseUrl = t.BaseUrl, CatalogUrl = t.CatalogUrl })))
            {
                return 2;
            }

            using var switcher = switchTo.Length > 0
                ? new TopologySwitcher(result.GetValue(appHostUrl) is { Length: > 0 } api ? new Uri(api) : TopologySwitcher.DefaultAppHostUrl)
                : null;
            var topologyOf = new Dictionary<CompareTarget, string>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < switchTo.Length; i++)
            {
                topologyOf[targets[i]] = switchTo[i];
            }

            var compare = new CompareRunner(workload, targets, switcher is null ? null : async (target, token) =>
            {
                var topology = topologyOf[target];
                AnsiConsole.MarkupLineInterpolated($"Switching the topology to [bold]{topology}[/]...");
                await switcher.SwitchAsync(topology, token);
            });
            var summaries = await compare.RunAsync(
                (target, runner, token) => ConsoleReport.FollowAsync(runner, target.Label, () => runner.RunAsync(token)),
                cancellationToken);

            AnsiConsole.Write(ConsoleReport.Table(summaries));
            var folder = result.GetValue(output)!.FullName;
            var report = new CompareReport(MachineInfo.Current(commandLine), summaries);
            var (markdown, json) = await ReportWriter.WriteAsync(folder, report, CancellationToken.None);
            AnsiConsole.WriteLine("Written: " + markdown);
            AnsiConsole.WriteLine("Written: " + json);
            var (_, message) = await ChartRenderer.RenderAsync(json, Path.Combine(folder, "chart.svg"), cancellationToken: CancellationToken.None);
            AnsiConsole.WriteLine(message);
            return 0;
        });
        return command;
    }

    private static bool IsValid(Workloads.Workload workload)
    {
        var errors = workload.Validate();
        foreach (var (field, messages) in errors)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Invalid {field}:[/] {messages[0]}");
        }

        return errors.Count == 0;
    }

    private static int Fail(string message)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]{message}[/]");
        return 2;
    }
}
