using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LoadGen.Telemetry;

namespace LoadGen.FunctionalTests;

/// <summary>The service's OpenTelemetry instruments during a real run, as a MeterListener (what the exporter uses) sees them.</summary>
public class MetricsTests
{
    [Fact]
    public async Task ARunPublishesReadsWritesCacheOutcomesLatencyAndCatalogCallsTaggedWithTheTopology()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        await using var service = LabApiTests.Service(fake, control);
        using var client = service.CreateClient();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == LoadGenMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == LoadGenMetrics.TopologyTag)
                {
                    seen[instrument.Name] = tag.Value as string ?? "";
                }
            }
        }

        listener.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i, tags));
        listener.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i, tags));
        listener.Start();
        await LoadRunnerTests.WaitUntilAsync(async () =>
            (await client.GetFromJsonAsync<JsonElement>("/api/lab/state")).GetProperty("topology").GetString() == "single");

        using var started = await client.PostAsJsonAsync("/api/load/start", new { rate = 300, concurrency = 8, readRatio = 0.8, productCount = 50, warmupSeconds = 0 });
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        string[] expected = ["loadgen.reads", "loadgen.writes", "loadgen.cache.hits", "loadgen.cache.misses", "loadgen.request.duration", "loadgen.catalogapi.calls"];
        await LoadRunnerTests.WaitUntilAsync(() => expected.All(seen.ContainsKey));
        await client.PostAsync("/api/load/stop", null);

        Assert.All(expected, name => Assert.Equal("single", seen[name]));
    }
}
