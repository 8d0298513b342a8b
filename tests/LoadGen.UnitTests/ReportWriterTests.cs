using System.Text.Json;
using LoadGen.Metrics;
using LoadGen.Reporting;
using LoadGen.Workloads;

namespace LoadGen.UnitTests;

public class ReportWriterTests
{
    private static RunSummary Summary(string label, long errors) => new()
    {
        Label = label,
        Workload = new Workload { BaseUrl = "http://127.0.0.1:8080" },
        StartedAt = DateTimeOffset.UnixEpoch,
        MeasuredSeconds = 10,
        Reads = 4750,
        Writes = 250,
        ReadsPerSecond = 475,
        WritesPerSecond = 25,
        Latency = new LatencySummary(5000, 1.25, 3.5, 7.75, 20, 1.6),
        HitRatio = 0.912,
        StaleReads = 12,
        StalePercent = 0.253,
        StaleOwnReads = 0,
        MaxStalenessMs = 40,
        Errors = errors,
        ErrorsByKind = errors == 0 ? [] : new() { ["http-503"] = errors },
        DbCallsPerSecond = 42,
        Replicas = new() { ["web-0"] = 1700, ["web-1"] = 1650 },
    };

    [Fact]
    public void TheMarkdownHasTheMachineTheCommandAndOneRowPerRun()
    {
        var report = new CompareReport(new MachineInfo(2, "Linux", ".NET 10.0", DateTimeOffset.UnixEpoch, "dotnet LoadGen.dll compare -u A"),
            [Summary("single", 0), Summary("naive", 3)]);

        var markdown = ReportWriter.ToMarkdown(report);

        Assert.Contains("2 cores, Linux, .NET 10.0", markdown);
        Assert.Contains("`dotnet LoadGen.dll compare -u A`", markdown);
        Assert.Contains("| label | reads/s | writes/s | p50 ms | p95 ms | p99 ms | max ms | hit ratio | stale % | errors | DB calls/s |", markdown);
        Assert.Contains("| single | 475 | 25 | 1.25 | 3.50 | 7.75 | 20.00 | 0.912 | 0.253 | 0 | 42 |", markdown);
        Assert.Contains("| naive |", markdown);
        Assert.Contains("3 (http-503: 3)", markdown);
    }

    [Fact]
    public async Task TheJsonReadsBackWithTheSameFigures()
    {
        var folder = Directory.CreateTempSubdirectory("loadgen-report-");
        try
        {
            var report = new CompareReport(MachineInfo.Current("test"), [Summary("single", 0)]);

            var (markdown, json) = await ReportWriter.WriteAsync(folder.FullName, report);

            Assert.True(File.Exists(markdown));
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var run = document.RootElement.GetProperty("runs")[0];
            Assert.Equal("single", run.GetProperty("label").GetString());
            Assert.Equal(7.75, run.GetProperty("latency").GetProperty("p99").GetDouble());
            Assert.Equal("open", run.GetProperty("workload").GetProperty("mode").GetString());
            Assert.Equal(Environment.ProcessorCount, document.RootElement.GetProperty("machine").GetProperty("cores").GetInt32());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
