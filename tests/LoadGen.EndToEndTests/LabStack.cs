using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace LoadGen.EndToEndTests;

/// <summary>
/// The real AppHost (Aspire.Hosting.Testing), once for the collection: free ports (never 8080/18888/18889, so a running
/// ./run.sh is not disturbed), a temp state folder, the dashboard on (its metrics view is part of what is tested),
/// without login because it only listens on 127.0.0.1 for the length of the test. Disposing stops every process.
/// </summary>
public sealed class LabStack : IAsyncLifetime
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("loadgen-e2e-");
    private DistributedApplication? _app;

    /// <summary>The started application.</summary>
    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    /// <summary>LoadGen's page.</summary>
    public Uri LoadGen { get; private set; } = null!;

    /// <summary>The Aspire dashboard.</summary>
    public Uri Dashboard { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        // Temp folders are created 0700; PostgreSQL runs as user postgres (setpriv) and must reach its data folder inside.
        if (!OperatingSystem.IsWindows())
        {
            _state.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        }

        var dashboardPort = FreePort();
        string[] args =
        [
            "--lb-port", $"{FreePort()}", "--control-port", $"{FreePort()}", "--dashboard-port", $"{dashboardPort}",
            "--state-dir", _state.FullName,
            $"--ASPNETCORE_URLS=http://127.0.0.1:{dashboardPort}",
            $"--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:{FreePort()}",
            "--ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true",
        ];
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            args, (options, _) => options.DisableDashboard = false, timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        try
        {
            await _app.StartAsync(timeout.Token);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync("lb", timeout.Token);
            await _app.ResourceNotifications.WaitForResourceAsync("loadgen", KnownResourceStates.Running, timeout.Token);
            LoadGen = _app.GetEndpoint("loadgen", "http");
            // The testing builder gives the dashboard a port of its own choosing: its resource's URL says which.
            // (Its other URLs are the OTLP receivers, which answer HTTP/2 only.)
            static bool IsFrontend(UrlSnapshot u) => !u.IsInternal && u.Name is "http" or "https";
            var dashboard = await _app.ResourceNotifications.WaitForResourceAsync(
                "aspire-dashboard", e => e.Snapshot.Urls.Any(IsFrontend), timeout.Token);
            Dashboard = new Uri(dashboard.Snapshot.Urls.First(IsFrontend).Url);
            // "Running" is the process started; the page needs Kestrel listening. loadgen has no health check in the
            // model, so ask its /alive until it answers.
            using var http = new HttpClient { BaseAddress = LoadGen, Timeout = TimeSpan.FromSeconds(5) };
            while (!await AnswersAsync(http, timeout.Token))
            {
                await Task.Delay(250, timeout.Token);
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }

        try
        {
            _state.Delete(recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A node that is still writing its files as it stops: the temp folder is left to the OS.
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync("/alive", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The tests that share one <see cref="LabStack"/>.</summary>
[CollectionDefinition(Name)]
public sealed class LabStackCollection : ICollectionFixture<LabStack>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "lab stack";
}
