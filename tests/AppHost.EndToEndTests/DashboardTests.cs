using System.Net.Http.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

/// <summary>The tests that share one <see cref="RunningAppHost"/> with the dashboard.</summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<RunningAppHost>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "apphost with dashboard";
}

/// <summary>
/// The real Aspire dashboard in Debian's chromium (headless, never a downloaded browser): logs in with the token the
/// AppHost printed and saves the screenshots README shows (into docs/ only with <c>APPHOST_SCREENSHOTS=$PWD/docs</c>).
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardTests(RunningAppHost apphost, ITestOutputHelper output) : IAsyncLifetime
{
    private DashboardBrowser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _browser = await DashboardBrowser.LaunchAsync();
        _page = _browser.Page;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheLoginLinkOpensTheDashboardWithEveryResourceTheGraphATraceAndAClusterCommandsResult()
    {
        // Without the token the dashboard sends the browser to its login page; the printed link logs it in.
        using (var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }))
        using (var response = await anonymous.GetAsync(apphost.Dashboard))
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/login", response.Headers.Location?.ToString(), StringComparison.Ordinal);
        }
        await _page.GotoAsync(apphost.LoginUrl.ToString());
        await DismissCertificateBannerAsync(appearsAfterLoad: true);
        await _browser.WaitForRunningAsync("webfrontend-2");
        await _browser.WaitForRunningAsync("lb");
        await ShotAsync("dashboard-resources.png");

        await _page.GotoAsync(new Uri(apphost.Dashboard, "/?view=Graph").ToString());
        await DismissCertificateBannerAsync();
        await _page.Locator("text=webfrontend-1").First.WaitForAsync();
        await _page.GetByLabel("Zoom out").ClickAsync();
        await ShotAsync("dashboard-graph.png");

        // One read of a product no replica has cached: lb → webfrontend → Redis (miss) → catalogapi → Postgres. The
        // request carries its own traceparent, so the test knows the trace id to open.
        var traceId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        using (var lb = new HttpClient { BaseAddress = apphost.LoadBalancer })
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/products/4242"))
        {
            request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-01");
            using var read = await lb.SendAsync(request);
            Assert.True(read.IsSuccessStatusCode, await read.Content.ReadAsStringAsync());
            Assert.Equal("miss", read.Headers.GetValues("X-Cache").Single());
        }
        // The services export in batches: the trace is complete once its Postgres span arrived. The page renders its
        // spans after it loaded, so each look waits for the span count first; a trace none of whose spans has arrived
        // yet renders no span count at all (and the page does not look again by itself), so that look reloads too.
        await _page.GotoAsync(new Uri(apphost.Dashboard, $"/traces/detail/{traceId}").ToString());
        await DismissCertificateBannerAsync();
        for (var attempt = 0; ; attempt++)
        {
            if (await RendersAsync(_page.GetByText("Total spans").First)
                && await _page.GetByText("catalogapi").CountAsync() > 0 && await _page.GetByText("postgresql").CountAsync() > 0)
            {
                break;
            }
            if (attempt == 60)
            {
                Assert.Fail($"the trace {traceId} never showed catalogapi and Postgres spans: {await _page.Locator("body").InnerTextAsync()}");
            }
            await Task.Delay(1_000);
            await _page.ReloadAsync();
        }
        await ShotAsync("dashboard-trace.png");

        // A cluster operation from the dashboard: switch to the cluster topology, then the cluster's "Add master".
        using (var switched = await apphost.Control.PutAsJsonAsync("/api/topology", new { name = "cluster" }))
        {
            Assert.True(switched.IsSuccessStatusCode, await switched.Content.ReadAsStringAsync());
        }
        await _page.GotoAsync(apphost.Dashboard.ToString());
        await DismissCertificateBannerAsync();
        await Row("cache-cluster").GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Actions" }).ClickAsync();
        await _page.GetByRole(AriaRole.Menuitem, new PageGetByRoleOptions { Name = "Commands" }).ClickAsync();
        await _page.GetByRole(AriaRole.Menuitem, new PageGetByRoleOptions { Name = "Add master", Exact = true }).ClickAsync();
        // The result arrives as a toast and stays in the notification center, which the screenshot shows.
        var toast = _page.Locator("text=/\"Add master\" (succeeded|failed)/").First;
        await toast.WaitForAsync(new LocatorWaitForOptions { Timeout = 180_000 });
        var outcome = await toast.InnerTextAsync();
        await _page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Notifications" }).ClickAsync();
        await _page.GetByText("Dismiss all").WaitForAsync();
        // The panel slides in; a picture taken mid-slide cuts it off (cosmetic only, nothing is asserted on it).
        await _page.WaitForTimeoutAsync(1_000);
        await ShotAsync("dashboard-cluster-command.png");
        output.WriteLine(await _page.Locator("body").InnerTextAsync());
        Assert.Contains("succeeded", outcome, StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="locator"/> becomes visible within a few seconds (false instead of a timeout).</summary>
    private static async Task<bool> RendersAsync(ILocator locator)
    {
        try
        {
            await locator.WaitForAsync(new LocatorWaitForOptions { Timeout = 5_000 });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private ILocator Row(string resource) => _browser.Row(resource);

    private Task DismissCertificateBannerAsync(bool appearsAfterLoad = false) => _browser.DismissCertificateBannerAsync(appearsAfterLoad);

    private async Task ShotAsync(string name) => output.WriteLine(await _browser.ShotAsync(name));
}
