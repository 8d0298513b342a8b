using Microsoft.Playwright;

namespace LoadGen.PageTests;

/// <summary>
/// Debian's Chromium driven by Playwright: the browser is the installed one (<c>/usr/bin/chromium</c>), so Playwright
/// never downloads a browser; only its .NET driver (shipped in the NuGet package) runs.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    /// <summary>Where the browser is; <c>CHROMIUM_PATH</c> overrides it.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Instance = browser;
    }

    /// <summary>The launched browser.</summary>
    public IBrowser Instance { get; }

    /// <summary>Launches headless Chromium with the flags a sandboxed CI container needs and nothing that calls home.</summary>
    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"No browser at {ExecutablePath}: install Debian's Chromium (apt-get install chromium) or set CHROMIUM_PATH. Playwright is never asked to download one.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            return new Browser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A page of <paramref name="width"/>×<paramref name="height"/> CSS pixels.</summary>
    public async Task<IPage> NewPageAsync(int width = 1600, int height = 1400) =>
        await Instance.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Instance.CloseAsync();
        _playwright.Dispose();
    }
}
