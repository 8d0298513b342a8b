using LoadGen.FunctionalTests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LoadGen.PageTests;

/// <summary>
/// The lab page in Chromium, served by LoadGen on a real loopback port, against the simulated storefront and control
/// API (LoadGen.FunctionalTests' fakes). The same journey against the real AppHost is LoadGen.EndToEndTests'.
/// </summary>
public class LabPageTests
{
    private static WebApplicationFactory<Program> Service(FakeStorefront fake, FakeControlApi control)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("services:lb:http:0", fake.BaseUrl);
            builder.UseSetting("services:catalogapi:http:0", fake.BaseUrl);
            builder.UseSetting("ControlApi:Url", control.BaseUrl);
            builder.UseSetting("LoadGen:Lab:TopologyPollInterval", "00:00:00.500");
        });
        // A real socket on 127.0.0.1 (a free port): the browser cannot reach the in-memory test server.
        factory.UseKestrel(0);
        factory.StartServer();
        return factory;
    }

    [Fact]
    public async Task StaleReadsRiseUnderNaiveFallToZeroUnderClusterAndAddMasterShowsFourMasters()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        await using var service = Service(fake, control);
        await using var browser = await Browser.LaunchAsync();
        var lab = new LabPage(await browser.NewPageAsync());
        await lab.OpenAsync(service.ClientOptions.BaseAddress.ToString());

        await lab.StartLoadAsync(rate: 300, readRatio: 0.8, products: 50, zipf: 0.99);
        await lab.SwitchAsync("naive");
        await lab.WaitForStaleReadsAsync("naive");
        await lab.SwitchAsync("cluster");
        var stale = await lab.StaleAfterSwitchAsync("cluster", seconds: 3);
        await lab.RunOperationAsync("add-master", "add master");
        var masters = await lab.WaitForMastersAsync(4);
        await lab.ScreenshotAsync(Screenshots.PathOf("lab-fake.png"));
        await lab.StopLoadAsync();

        Assert.Equal([0, 0, 0], stale[^3..]);
        Assert.All(masters, text => Assert.Contains("slots", text));
        Assert.Equal(3, await lab.Page.Locator("[data-testid=replica-cache]").Filter(new() { HasText = "cache-cluster" }).CountAsync());
        Assert.Contains("naive", await lab.Page.Locator("[data-testid=table]").InnerTextAsync());
    }

    [Fact]
    public async Task BadInputDisablesStartWithTheReasonAndAnOperationDisablesTheOthers()
    {
        await using var fake = await FakeStorefront.StartAsync();
        await using var control = await FakeControlApi.StartAsync(fake);
        await using var service = Service(fake, control);
        await using var browser = await Browser.LaunchAsync();
        var lab = new LabPage(await browser.NewPageAsync());
        await lab.OpenAsync(service.ClientOptions.BaseAddress.ToString());

        await lab.SetAsync("#rate", 0);
        Assert.True(await lab.Page.Locator("#start").IsDisabledAsync());
        Assert.Contains("rate", await lab.Page.Locator("#load-reason").InnerTextAsync());
        await lab.SetAsync("#rate", 200_000);
        Assert.Contains("100,000", await lab.Page.Locator("#load-reason").InnerTextAsync());
        await lab.SetAsync("#rate", 100);
        await lab.SetAsync("#readRatio", 1.5);
        Assert.True(await lab.Page.Locator("#start").IsDisabledAsync());
        Assert.Contains("read ratio", await lab.Page.Locator("#load-reason").InnerTextAsync());

        await lab.SwitchAsync("cluster");
        await lab.WaitForMastersAsync(3);
        control.HoldOperations = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await lab.Page.ClickAsync("button[data-op='add-master']");
        await lab.Page.WaitForFunctionAsync("() => document.querySelector('#switch').disabled && document.querySelector(\"button[data-op='reset']\").disabled");
        Assert.Contains("in progress", await lab.Page.Locator("#action-reason").InnerTextAsync());
        control.HoldOperations.SetResult();
        await lab.WaitForMastersAsync(4);
        await lab.Page.WaitForFunctionAsync("() => !document.querySelector('#switch').disabled");
    }
}
