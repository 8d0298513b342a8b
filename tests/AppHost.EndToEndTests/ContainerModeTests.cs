using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost.ControlApi;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

/// <summary>
/// <c>--containers</c>: the caches and PostgreSQL from Aspire's AddRedis/AddPostgres on the machine's container
/// runtime (the images <c>SAMPLE_CONTAINER_IMAGES</c> names, else the local ones when built), the AppHost run as a
/// person runs it. Skipped, saying why, only where no container runtime answers.
/// </summary>
public sealed class ContainerModeTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task WithContainersTheServersAreContainersOnLoopbackSwitchesFailNoRequestAndAStopLeavesNoContainerOrNetwork()
    {
        var unavailable = ContainerRuntime.Unavailable();
        Skip.If(unavailable is not null, $"Container mode not tested: {unavailable}.");
        var images = ContainerRuntime.Images();
        var containersBefore = ContainerRuntime.Containers();
        var networksBefore = ContainerRuntime.Networks();
        output.WriteLine($"images: {images}; {containersBefore.Count} containers and {networksBefore.Count} networks before the run");

        var app = RunningAppHost.WithArgs("--containers", images);
        try
        {
            await app.InitializeAsync();
            var resources = await app.Control.GetFromJsonAsync<List<ResourceInfo>>("/api/resources", JsonSerializerOptions.Web);
            foreach (var name in new[] { ResourceNames.Postgres, ResourceNames.SingleCache })
            {
                var resource = resources!.Single(r => r.Name == name);
                Assert.True(resource is { Type: "Container", State: "Running", Health: "Healthy" }, $"{name}: {resource}");
            }
            Assert.All(resources!.Where(r => r.Name.StartsWith("cache-naive-", StringComparison.Ordinal)), r => Assert.Equal("Container", r.Type));
            Assert.Equal("Executable", resources!.Single(r => r.Name == ResourceNames.ClusterCache + "-0").Type);
            await TheDashboardShowsThemAsContainersAsync(app, images);

            // The storefront through the load balancer: a write, then reads of it from the cache (a container).
            using var client = new HttpClient { BaseAddress = app.LoadBalancer };
            var written = await Storefront.WriteAsync(client, Load.ProductCount + 1, Storefront.Price(1));
            var first = await Storefront.ReadAsync(client, Load.ProductCount + 1);
            var again = await Storefront.ReadAsync(client, Load.ProductCount + 1);
            Assert.Equal(written.Version, again.Version);
            Assert.Contains("hit", new[] { first.Cache, again.Cache });

            var catalogApi = new Uri(resources!.Single(r => r.Name == ResourceNames.CatalogApi).Endpoints.First(e => e.StartsWith("http://", StringComparison.Ordinal)));
            await using (var load = await Load.StartAsync(app.LoadBalancer, catalogApi, "containers"))
            {
                foreach (var topology in new[] { "naive", "cluster", "single" })
                {
                    using var response = await app.Control.PutAsJsonAsync("/api/topology", new { name = topology, waitForReplicas = 0 });
                    Assert.True(response.IsSuccessStatusCode, $"switching to {topology}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                var summary = await load.StopAsync(output);
                Assert.True(summary.Reads > 100, $"only {summary.Reads} reads were measured");
                Assert.Equal(0, summary.Errors);
            }

            // postgres, cache and the three naive caches: every port published on the loopback address only.
            var ours = ContainerRuntime.Containers().Except(containersBefore).ToList();
            output.WriteLine($"the run's containers: {ContainerRuntime.Describe(ours)}");
            Assert.Equal(5, ours.Count);
            var addresses = ContainerRuntime.PublishedHostAddresses(ours);
            Assert.NotEmpty(addresses);
            Assert.All(addresses, address => Assert.Equal("127.0.0.1", address));

            // SIGTERM, what Ctrl+C amounts to (a child of a non-interactive parent may inherit an ignored SIGINT). DCP
            // removes the containers and its network as the AppHost ends: wait on that state, bounded.
            var stopping = Stopwatch.StartNew();
            await app.Process.StopAsync(ProcessIdentity.SigTerm);
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (!deadline.IsCancellationRequested
                && (ContainerRuntime.Containers().Except(containersBefore).Any() || ContainerRuntime.Networks().Except(networksBefore).Any()))
            {
                await Task.Delay(250);
            }
            output.WriteLine($"SIGTERM to no container or network of the run left: {stopping.Elapsed.TotalSeconds:0.0} s");
            Assert.Empty(ContainerRuntime.Containers().Except(containersBefore));
            Assert.Empty(ContainerRuntime.Networks().Except(networksBefore));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>
    /// The dashboard as a person sees it: postgres and cache running, their details titled "Container: name" with
    /// their image; the screenshot (README) shows cache's details.
    /// </summary>
    private async Task TheDashboardShowsThemAsContainersAsync(RunningAppHost app, string images)
    {
        await using var browser = await DashboardBrowser.LaunchAsync();
        await browser.Page.GotoAsync(app.LoginUrl.ToString());
        await browser.DismissCertificateBannerAsync(appearsAfterLoad: true);
        foreach (var (name, image) in new[] { (ResourceNames.Postgres, "postgres:"), (ResourceNames.SingleCache, "redis:") })
        {
            await browser.WaitForRunningAsync(name);
            await browser.Row(name).Locator("td").First.ClickAsync();
            await browser.Page.GetByText($"Container: {name}", new PageGetByTextOptions { Exact = true }).WaitForAsync();
            var details = await browser.Page.Locator("body").InnerTextAsync();
            var expected = images == "local" ? $"localhost/scaling-redis/{image}" : image;
            Assert.Contains(expected, details, StringComparison.Ordinal);
        }
        output.WriteLine(await browser.ShotAsync("dashboard-containers.png"));
    }
}
