using System.Text.Json;
using Microsoft.Playwright;

namespace LoadGen.PageTests;

/// <summary>
/// The lab page as a person uses it: fill the form, press the buttons, read the charts and the diagram. Every wait
/// is on something the page shows, bounded; no sleep.
/// </summary>
public sealed class LabPage(IPage page, TimeSpan? timeout = null)
{
    private readonly float _timeoutMs = (float)(timeout ?? TimeSpan.FromSeconds(60)).TotalMilliseconds;

    /// <summary>The Playwright page.</summary>
    public IPage Page => page;

    /// <summary>Opens the page and waits until it has the AppHost's topologies (or says why it has none).</summary>
    public async Task OpenAsync(string url)
    {
        await page.GotoAsync(url);
        await page.WaitForFunctionAsync("() => window.lab && window.lab.state !== null", null, new() { Timeout = _timeoutMs });
    }

    /// <summary>Fills the load form and presses Start; waits until the page says the load runs.</summary>
    public async Task StartLoadAsync(double rate, double readRatio, int products, double zipf)
    {
        await SetAsync("#rate", rate);
        await SetAsync("#readRatio", readRatio);
        await SetAsync("#productCount", products);
        await SetAsync("#zipfSkew", zipf);
        await page.ClickAsync("#start");
        await page.WaitForFunctionAsync("() => window.lab.state && window.lab.state.loadRunning", null, new() { Timeout = _timeoutMs });
    }

    /// <summary>Presses Stop.</summary>
    public async Task StopLoadAsync()
    {
        await page.ClickAsync("#stop");
        await page.WaitForFunctionAsync("() => window.lab.state && !window.lab.state.loadRunning", null, new() { Timeout = _timeoutMs });
    }

    /// <summary>Sets an input as typing would (an input event follows).</summary>
    public Task SetAsync(string selector, double value) => page.FillAsync(selector, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Picks <paramref name="topology"/>, presses Switch, and waits until its marker on the charts is done.</summary>
    public async Task SwitchAsync(string topology)
    {
        await page.WaitForFunctionAsync("() => !document.querySelector('#switch').disabled", null, new() { Timeout = _timeoutMs });
        await page.SelectOptionAsync("#topology-select", topology);
        await page.ClickAsync("#switch");
        await WaitForMarkerDoneAsync("→ " + topology);
    }

    /// <summary>Presses a cluster operation's button and waits until its marker is done.</summary>
    public async Task RunOperationAsync(string operation, string markerLabel)
    {
        var button = $"button[data-op='{operation}']";
        await page.WaitForFunctionAsync($"() => !document.querySelector(\"{button}\").disabled", null, new() { Timeout = _timeoutMs });
        await page.ClickAsync(button);
        await WaitForMarkerDoneAsync(markerLabel);
    }

    /// <summary>Waits until the stale-% chart has a point above 0 drawn under <paramref name="topology"/>.</summary>
    public Task WaitForStaleReadsAsync(string topology) => page.WaitForFunctionAsync(
        """
        topology => {
          const t = window.lab.timeline; const chart = window.lab.charts.stale;
          if (!t || !chart) return false;
          const times = new Set(t.points.filter(p => p.topology === topology).map(p => p.time));
          return chart.data.datasets[0].data.some(p => times.has(p.x) && p.y > 0);
        }
        """, topology, new() { Timeout = _timeoutMs });

    /// <summary>
    /// Waits until the stale-% chart, after the switch to <paramref name="topology"/> ended, ends with
    /// <paramref name="seconds"/> seconds in a row at 0 (it fell back to 0 and stays there), and returns every value
    /// drawn since the switch ended. A read sent before the switch and answered after it may still count in the
    /// first seconds, so those are not required to be 0.
    /// </summary>
    public async Task<double[]> StaleAfterSwitchAsync(string topology, int seconds)
    {
        const string script = """
            ([label, seconds]) => {
              const t = window.lab.timeline; const chart = window.lab.charts.stale;
              const marker = t && t.markers.filter(m => m.label === label && m.outcome === 'done').pop();
              if (!marker || !chart) return null;
              const values = chart.data.datasets[0].data.filter(p => p.x >= marker.endTime && p.y !== null).map(p => p.y);
              return values.length >= seconds && values.slice(-seconds).every(v => v === 0) ? values : null;
            }
            """;
        var handle = await page.WaitForFunctionAsync(script, new object[] { "→ " + topology, seconds }, new() { Timeout = _timeoutMs });
        return JsonSerializer.Deserialize<double[]>(await handle.JsonValueAsync<JsonElement>())!;
    }

    /// <summary>Waits until the charts hold <paramref name="count"/> seconds with reads under <paramref name="topology"/>.</summary>
    public Task WaitForSecondsAsync(string topology, int count) => page.WaitForFunctionAsync(
        "([topology, count]) => window.lab.timeline && window.lab.timeline.points.filter(p => p.topology === topology && p.readsPerSecond > 0).length >= count",
        new object[] { topology, count }, new() { Timeout = _timeoutMs });

    /// <summary>Waits until the diagram shows <paramref name="count"/> masters; returns the masters' slot texts.</summary>
    public async Task<IReadOnlyList<string>> WaitForMastersAsync(int count)
    {
        await page.WaitForFunctionAsync(
            "n => document.querySelectorAll(\"[data-testid=node][data-role=master]\").length === n", count, new() { Timeout = _timeoutMs });
        return await page.Locator("[data-testid=node][data-role=master]").AllInnerTextsAsync();
    }

    /// <summary>Saves a full-page screenshot to <paramref name="path"/>.</summary>
    public async Task ScreenshotAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
    }

    private Task WaitForMarkerDoneAsync(string label) => page.WaitForFunctionAsync(
        "label => window.lab.timeline && window.lab.timeline.markers.some(m => m.label === label && m.outcome !== 'running')"
        + " && !window.lab.busy",
        label, new() { Timeout = _timeoutMs });
}
