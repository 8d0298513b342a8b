using System.Net.Http.Json;
using System.Text.Json;
using AppHost.Topologies;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.EndToEndTests;

/// <summary>
/// The real AppHost's model, started once per test collection with Aspire.Hosting.Testing (headless: no dashboard),
/// on free ports and a temp state folder, with the start topology applied. Disposing it stops every process.
/// </summary>
public sealed class SampleApp : IAsyncLifetime
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("apphost-e2e-");
    private readonly string[] _extraArgs;
    private DistributedApplication? _app;

    /// <summary>The sample as a person starts it without settings.</summary>
    public SampleApp()
        : this([])
    {
    }

    /// <summary>The sample with more AppHost arguments (configuration such as <c>--Parameters:soss-hosts=…</c>).</summary>
    internal SampleApp(string[] extraArgs) => _extraArgs = extraArgs;

    /// <summary>The started application.</summary>
    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    /// <summary>The topology controller inside the AppHost (the one the control API and the commands use).</summary>
    public TopologyController Controller => App.Services.GetRequiredService<TopologyController>();

    /// <summary>The control API (<c>/api/resources</c>, <c>/api/topology</c>, <c>/api/clusters/...</c>).</summary>
    public HttpClient Control { get; private set; } = null!;

    /// <summary>One client per web replica, straight to it (no load balancer).</summary>
    public IReadOnlyList<HttpClient> Replicas { get; private set; } = [];

    /// <summary>The load balancer's address.</summary>
    public Uri LoadBalancer { get; private set; } = null!;

    /// <summary>CatalogApi's address.</summary>
    public Uri CatalogApi => App.GetEndpoint(ResourceNames.CatalogApi, "http");

    /// <summary>The admin token the replicas and the load balancer accept.</summary>
    public async Task<string> AdminTokenAsync()
        => (await App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>()
            .Single(p => p.Name == AppHostModel.AdminTokenParameter).GetValueAsync(default))!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var lbPort = FreePorts.Next();
        var controlPort = FreePorts.Next();
        string[] args =
        [
            "--lb-port", $"{lbPort}", "--control-port", $"{controlPort}", "--dashboard-port", $"{FreePorts.Next()}",
            "--state-dir", _state.FullName,
            $"--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:{FreePorts.Next()}",
            .. _extraArgs,
        ];
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        try
        {
            await _app.StartAsync(timeout.Token);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.LoadBalancer, timeout.Token);
            await Controller.WhenStartedAsync(timeout.Token);
            if (Controller.Current?.Name != "single")
            {
                throw new InvalidOperationException($"The start topology was not applied: {Controller.GetStatus().LastError}");
            }
            LoadBalancer = new Uri($"http://127.0.0.1:{lbPort}");
            Control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{controlPort}"), Timeout = TimeSpan.FromMinutes(3) };
            Replicas = [.. Enumerable.Range(0, ResourceNames.WebReplicas).Select(i => _app.CreateHttpClient(ResourceNames.WebFrontend(i), "http"))];
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
        Control?.Dispose();
        foreach (var replica in Replicas)
        {
            replica.Dispose();
        }
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
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Switches through <c>PUT /api/topology</c>; returns the switch's answer.</summary>
    public async Task<TopologySwitch> SwitchAsync(string name, int waitForReplicas = 0)
    {
        using var response = await Control.PutAsJsonAsync("/api/topology", new { name, waitForReplicas });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Switching to {name} failed ({(int)response.StatusCode}): {body}");
        return JsonSerializer.Deserialize<TopologySwitch>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>A client through the load balancer; <paramref name="cookies"/> keeps the affinity cookie.</summary>
    public HttpClient CreateLoadBalancerClient(bool cookies = false)
        => new(new SocketsHttpHandler { UseCookies = cookies, CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = LoadBalancer };
}

/// <summary>The tests that share one <see cref="SampleApp"/>; each switches to the topology it needs first.</summary>
[CollectionDefinition(Name)]
public sealed class SampleAppCollection : ICollectionFixture<SampleApp>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "sample app";
}
