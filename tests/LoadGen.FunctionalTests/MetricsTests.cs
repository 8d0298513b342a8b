using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LoadGen.Telemetry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace LoadGen.FunctionalTests;

/// <summary>
/// The service's instruments during a real run, read where the OTLP exporter reads them: a reader added to the
/// OpenTelemetry pipeline that ServiceDefaults builds, so this also proves LoadGen's meter is registered with it.
/// </summary>
public class MetricsTests
{
    [Fact]
    public async Task ARunExportsReadsWritesCacheOutcomesLatencyAndCatalogCallsTaggedWithTheTopology()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        var exported = new ConcurrentDictionary<string, string>();
        await using var service = LabApiTests.Service(fake, control).WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.ConfigureOpenTelemetryMeterProvider(metrics =>
                metrics.AddReader(new PeriodicExportingMetricReader(new TopologyTagExporter(exported), exportIntervalMilliseconds: 200)))));
        using var client = service.CreateClient();
        await LoadRunnerTests.WaitUntilAsync(async () =>
            (await client.GetFromJsonAsync<JsonElement>("/api/lab/state")).GetProperty("topology").GetString() == "single");

        using var started = await client.PostAsJsonAsync("/api/load/start", new { rate = 300, concurrency = 8, readRatio = 0.8, productCount = 50, warmupSeconds = 0 });
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        string[] expected = ["loadgen.reads", "loadgen.writes", "loadgen.cache.hits", "loadgen.cache.misses", "loadgen.request.duration", "loadgen.catalogapi.calls"];
        await LoadRunnerTests.WaitUntilAsync(() => expected.All(exported.ContainsKey));
        await client.PostAsync("/api/load/stop", null);

        Assert.All(expected, name => Assert.Equal("single", exported[name]));
    }

    /// <summary>Keeps, per exported metric of LoadGen's meter, the topology tag of its points.</summary>
    private sealed class TopologyTagExporter(ConcurrentDictionary<string, string> exported) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                if (metric.MeterName != LoadGenMetrics.MeterName)
                {
                    continue;
                }

                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    foreach (var tag in point.Tags)
                    {
                        if (tag.Key == LoadGenMetrics.TopologyTag)
                        {
                            exported[metric.Name] = tag.Value as string ?? "";
                        }
                    }
                }
            }

            return ExportResult.Success;
        }
    }
}
