using System.Text.Json;
using LoadGen.Cli;
using LoadGen.Reporting;

namespace LoadGen.FunctionalTests;

/// <summary>The <c>compare</c> command end to end: two real local servers, one of them with a stale replica.</summary>
public class CompareCommandTests
{
    [Fact]
    public async Task CompareWritesATableJsonAndChartThatTellTheConsistentSystemFromTheStaleOne()
    {
        await using var shared = await FakeStorefront.StartAsync();
        await using var naive = await FakeStorefront.StartAsync(new FakeStorefrontOptions { StaleLastReplica = true });
        var output = Directory.CreateTempSubdirectory("loadgen-compare-");
        try
        {
            var exitCode = await LoadGenCli.InvokeAsync(
            [
                "compare", "--base-url", shared.BaseUrl, "--base-url", naive.BaseUrl, "--label", "shared", "--label", "naive",
                "--catalog-url", shared.BaseUrl, "--catalog-url", naive.BaseUrl, "--out", output.FullName,
                "--duration", "2s", "--warmup", "500ms", "--rate", "200", "--concurrency", "8", "--products", "50", "--read-ratio", "0.8",
            ]);

            Assert.Equal(0, exitCode);
            var markdown = await File.ReadAllTextAsync(Path.Combine(output.FullName, "results.md"));
            Assert.Contains($"{Environment.ProcessorCount} cores", markdown);
            Assert.Contains("| shared |", markdown);
            Assert.Contains("| naive |", markdown);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.FullName, "results.json")));
            var runs = json.RootElement.GetProperty("runs");
            Assert.Equal(0, runs[0].GetProperty("staleReads").GetInt64());
            Assert.True(runs[1].GetProperty("staleReads").GetInt64() > 0);
            Assert.True(runs[0].GetProperty("dbCallsPerSecond").GetDouble() > 0);

            // The chart needs Node.js and `npm ci` in LoadGen/chart (eng/prerequisites.sh); without them it is skipped with a message.
            var svg = Path.Combine(output.FullName, "chart.svg");
            if (ChartPrerequisitesPresent())
            {
                Assert.StartsWith("<svg", await File.ReadAllTextAsync(svg));
            }
            else
            {
                Assert.False(File.Exists(svg));
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task WithoutNodeTheChartIsSkippedWithAMessageSayingWhatToInstall()
    {
        var output = Directory.CreateTempSubdirectory("loadgen-chart-");
        try
        {
            var json = Path.Combine(output.FullName, "results.json");
            await File.WriteAllTextAsync(json, """{"machine":{},"runs":[]}""");

            // A chart folder whose packages are "installed", so the only thing missing is node itself.
            var chart = Directory.CreateDirectory(Path.Combine(output.FullName, "chart"));
            await File.WriteAllTextAsync(Path.Combine(chart.FullName, "render.mjs"), "");
            Directory.CreateDirectory(Path.Combine(chart.FullName, "node_modules", "vega-lite"));

            var (svg, message) = await ChartRenderer.RenderAsync(
                json, Path.Combine(output.FullName, "chart.svg"), chartDirectory: chart.FullName, node: "/nonexistent/node");

            Assert.Null(svg);
            Assert.Contains("Node.js", message);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task MismatchedLabelsAreABadArgument()
    {
        var exitCode = await LoadGenCli.InvokeAsync(["compare", "--base-url", "http://127.0.0.1:1", "--base-url", "http://127.0.0.1:2", "--label", "one"]);

        Assert.Equal(2, exitCode);
    }

    [Theory]
    [InlineData("--duration", "soon")]
    [InlineData("--mode", "sideways")]
    [InlineData("--read-ratio", "1.5")]
    public async Task ABadOptionValueIsRejectedBeforeAnyTrafficIsSent(string option, string value)
    {
        var exitCode = await LoadGenCli.InvokeAsync(["run", "--base-url", "http://127.0.0.1:1", option, value]);

        Assert.NotEqual(0, exitCode);
    }

    private static bool ChartPrerequisitesPresent()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "LoadGen", "chart", "node_modules", "vega-lite")))
            {
                return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(p => File.Exists(Path.Combine(p, "node")));
            }
        }

        return false;
    }
}
