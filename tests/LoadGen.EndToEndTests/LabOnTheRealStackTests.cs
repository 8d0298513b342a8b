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
            await lab.ScreenshotAsync(Screenshots.PathOf("lab-naive.png"));

            await lab.SwitchAsync("cluster");
            var stale = await lab.StaleAfterSwitchAsync("cluster", seconds: 5);
            Assert.All(stale, value => Assert.Equal(0, value));

            await lab.RunOperationAsync("add-master", "add master");
            var masters = await lab.WaitForMastersAsync(4);
            Assert.All(masters, text => Assert.Contains("slots", text));
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
            // The metrics view of loadgen, on LoadGen's meter and its reads counter.
            var url = new Uri(stack.Dashboard, "/metrics/resource/loadgen?meter=ScalingRedis.LoadGen&instrument=loadgen.reads&duration=5&view=Graph");
            await page.GotoAsync(url.ToString());
            // The dashboard lists an instrument once an OTLP export (every few seconds) has carried it: wait for ours.
            var timeout = new Microsoft.Playwright.LocatorWaitForOptions { Timeout = (float)s_patience.TotalMilliseconds };
            await page.GetByText("loadgen.writes").First.WaitForAsync(timeout);
            await page.GetByText("loadgen.request.duration").First.WaitForAsync(timeout);
            await new LabPage(page, s_patience).ScreenshotAsync(Screenshots.PathOf("dashboard-loadgen-metrics.png"));
        }
        finally
        {
            await lab.StopLoadAsync();
        }
    }
}
