using System.Net.Http.Json;
using System.Text.Json;
using AppHost;
using AppHost.Topologies;
using Hosting;
using Hosting.Testing;

namespace Topology.FunctionalTests;

/// <summary>
/// The whole sample (PostgreSQL, CatalogApi, three web replicas, HAProxy, every cache on demand, the topology API)
/// composed exactly as the AppHost composes it, started once for every test of the collection.
/// </summary>
public sealed class SampleStack : IAsyncLifetime
{
    private DistributedApplication? _app;

    /// <summary>The running application.</summary>
    public DistributedApplication App => _app ?? throw new InvalidOperationException("The stack is not started.");

    /// <summary>The topology controller the composition added.</summary>
    public TopologyController Controller { get; private set; } = null!;

    /// <summary>The AppHost API (dashboard host).</summary>
    public HttpClient AppHost { get; private set; } = null!;

    /// <summary>One client per web replica, straight to it (no load balancer).</summary>
    public IReadOnlyList<HttpClient> Replicas { get; private set; } = [];

    /// <summary>The load balancer's URL.</summary>
    public Uri LoadBalancer => App.GetEndpoint(SampleApplication.Names.LoadBalancer);

    /// <summary>CatalogApi's URL.</summary>
    public Uri CatalogApi => App.GetEndpoint(SampleApplication.Names.CatalogApi);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        Controller = SampleApplication.Compose(builder, global::AppHost.Topologies.Topology.Find("single")!, withLoadGen: false);
        _app = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await _app.StartAsync(timeout.Token);
            await _app.WaitForAllHealthyAsync(timeout.Token);
            await Controller.WhenStartedAsync(timeout.Token);
            if (Controller.Current?.Name != "single")
            {
                throw new InvalidOperationException($"The start topology was not applied: {Controller.GetStatus().LastError}");
            }
            AppHost = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_app.DashboardPort}"), Timeout = TimeSpan.FromMinutes(2) };
            Replicas = [.. Enumerable.Range(0, SampleApplication.Names.WebReplicas).Select(i => _app.CreateHttpClient(SampleApplication.Names.WebFrontend, i))];
        }
        catch
        {
            await _app.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        AppHost?.Dispose();
        foreach (var replica in Replicas)
        {
            replica.Dispose();
        }
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>Switches through <c>PUT /api/topology</c>; returns the switch's answer.</summary>
    public async Task<TopologySwitch> SwitchAsync(string name, int waitForReplicas = 0)
    {
        using var response = await AppHost.PutAsJsonAsync("/api/topology", new { name, waitForReplicas });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Switching to {name} failed ({(int)response.StatusCode}): {body}");
        return JsonSerializer.Deserialize<TopologySwitch>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>The web replicas' logs, for a failure message.</summary>
    public string WebLogs(int lines = 20) => string.Join('\n', Enumerable.Range(0, SampleApplication.Names.WebReplicas)
        .SelectMany(i => App.GetLogs(SampleApplication.Names.WebFrontend, i).TakeLast(lines).Select(l => $"webfrontend-{i}: {l.Text}")));
}
