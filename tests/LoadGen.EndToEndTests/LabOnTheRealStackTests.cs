using LoadGen.PageTests;

namespace LoadGen.EndToEndTests;

/// <summary>
/// The acceptance of the topology lab: LoadGen's page in Chromium, driving the real sample (YARP, three WebFrontend
/// replicas, CatalogApi, PostgreSQL, Redis, Redis Cluster) started by the real AppHost.
/// </summary>
[Collection(LabStackCollection.Name)]
public sealed class LabOnTheRealStackTests(LabStack stack)
{
    // A cluster operation or a switch on two busy cores takes seconds; a stale read under naive needs a write and then
    // a read of the same product through another replica. These bound the waits; nothing waits for a fixed time.
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task StaleReadsRiseUnderNaiveFallToZeroUnderClusterAndAddMasterShowsFourMasters()
    {
        await using var browser = await Browser.LaunchAsync();
        var lab = new LabPage(await browser.NewPageAsync(), s_patience);
        await lab.OpenAsync(stack.LoadGen.ToString());

        // 100 requests/s to loopback for the few minutes of the test; few products and 20 % writes so that a stale
        // read under naive shows within seconds.
        await lab.StartLoadAsync(rate: 100, readRatio: 0.8, products: 100, zipf: 0.99);
        try
        {
            await lab.SwitchAsync("naive");
            await lab.WaitForStaleReadsAsync("naive");
            // A picture worth keeping: some seconds of naive on the charts.
            await lab.WaitForSecondsAsync("naive", 15);
            await lab.ScreenshotAsync(Screenshots.PathOf("lab-naive.png"));

            await lab.SwitchAsync("cluster");
            var stale = await lab.StaleAfterSwitchAsync("cluster", seconds: 5);
            Assert.Equal([0, 0, 0, 0, 0], stale[^5..]);

            await lab.RunOperationAsync("add-master", "add master");
            var masters = await lab.WaitForMastersAsync(4);
            Assert.All(masters, text => Assert.Contains("slots", text));
            await lab.WaitForSecondsAsync("cluster", 20);
            await lab.ScreenshotAsync(Screenshots.PathOf("lab-cluster-4-masters.png"));
        }
        finally
        {
            await lab.StopLoadAsync();
        }
    }

    [Fact]
    public async Task TheDashboardShowsLoadGensMetricsForTheLoadgenResource()
    {
        await using var browser = await Browser.LaunchAsync();
        var lab = new LabPage(await browser.NewPageAsync(), s_patience);
        await lab.OpenAsync(stack.LoadGen.ToString());
        await lab.StartLoadAsync(rate: 100, readRatio: 0.9, products: 100, zipf: 0.99);
        try
        {
            var page = await browser.NewPageAsync();
            // The metrics view of loadgen. It lists a resource's instruments as they were when the page loaded, and
            // the first OTLP export comes a few seconds after the load starts: reload until ours are listed.
            var url = new Uri(stack.Dashboard, "/metrics/resource/loadgen").ToString();
            var deadline = DateTime.UtcNow + s_patience;
            var listed = false;
            while (!listed)
            {
                await page.GotoAsync(url);
                try
                {
                    await page.GetByText("loadgen.writes", new() { Exact = true }).WaitForAsync(new() { Timeout = 10_000 });
                    listed = true;
                }
                catch (TimeoutException) when (DateTime.UtcNow < deadline)
                {
                }
                catch (TimeoutException)
                {
                    await new LabPage(page).ScreenshotAsync(Screenshots.PathOf("dashboard-failure.png"));
                    throw;
                }
            }

            Assert.Equal(1, await page.GetByText("ScalingRedis.LoadGen", new() { Exact = true }).CountAsync());
            // The latency histogram, by topology, as a person would look at it (the tree's items re-render with every
            // export, so the view is opened by its address rather than by a click).
            await page.GotoAsync(url + "?meter=ScalingRedis.LoadGen&instrument=loadgen.request.duration&duration=5&view=Graph");
            await page.GetByText("topology", new() { Exact = true }).First.WaitForAsync(new() { Timeout = (float)s_patience.TotalMilliseconds });
            try
            {
                // The graph (Plotly) draws after the filters; the picture is better with it, the test passes without.
                await page.Locator("svg.main-svg").First.WaitForAsync(new() { Timeout = 30_000 });
            }
            catch (TimeoutException)
            {
            }

            await new LabPage(page).ScreenshotAsync(Screenshots.PathOf("dashboard-loadgen-metrics.png"));
        }
        finally
        {
            await lab.StopLoadAsync();
        }
    }
}
