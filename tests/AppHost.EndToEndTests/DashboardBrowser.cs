using LoadGen.PageTests;
using Microsoft.Playwright;

namespace AppHost.EndToEndTests;

/// <summary>
/// The dashboard in Debian's chromium (LoadGen.PageTests' <see cref="Browser"/>: headless, never a downloaded browser),
/// one page sized for the screenshots README shows.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    private readonly Browser _browser;

    private DashboardBrowser(Browser browser, IPage page)
    {
        _browser = browser;
        Page = page;
    }

    /// <summary>The page.</summary>
    public IPage Page { get; }

    /// <summary>Starts the browser and opens a page.</summary>
    public static async Task<DashboardBrowser> LaunchAsync()
    {
        var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1600, 1000);
        page.SetDefaultTimeout(60_000);
        return new DashboardBrowser(browser, page);
    }

    /// <summary>The row of <paramref name="resource"/> on the dashboard's resources page.</summary>
    public ILocator Row(string resource) => Page.Locator("tr.resource-row", new PageLocatorOptions
    {
        Has = Page.Locator($"td[title$=': {resource}']"),
    });

    /// <summary>
    /// Waits until the resources page shows <paramref name="resource"/> as Running. A page whose resource stream did
    /// not come up after the login never updates by itself, so each look that sees nothing reloads the page; the
    /// last failure says what the page showed.
    /// </summary>
    public async Task WaitForRunningAsync(string resource)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Row(resource).Locator("text=Running").WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 3)
            {
                await Page.ReloadAsync();
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{resource} is not shown Running on {Page.Url}: {await Page.Locator("body").InnerTextAsync()}", ex);
            }
        }
    }

    /// <summary>
    /// Closes Aspire's "no trusted development certificate" banner (this sample serves loopback http only). It comes a
    /// moment after the first page (<paramref name="appearsAfterLoad"/>); once dismissed it stays so for the session.
    /// </summary>
    public async Task DismissCertificateBannerAsync(bool appearsAfterLoad = false)
    {
        var close = Page.Locator("[aria-label='Dismiss notification']");
        if (appearsAfterLoad)
        {
            try
            {
                await close.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
            }
            catch (TimeoutException)
            {
                return;
            }
        }
        if (await close.CountAsync() > 0)
        {
            await close.First.ClickAsync();
        }
    }

    /// <summary>
    /// Saves a screenshot of the page as <paramref name="name"/> beside the test binaries, or where
    /// <c>APPHOST_SCREENSHOTS</c> says (<c>APPHOST_SCREENSHOTS=$PWD/docs</c> refreshes README's pictures); returns its path.
    /// </summary>
    public async Task<string> ShotAsync(string name)
    {
        var path = Screenshots.PathOf(name, Screenshots.AppHostVariable);
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        return path;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _browser.DisposeAsync();
}
