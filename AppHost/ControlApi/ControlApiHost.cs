using AppHost.Network;
using AppHost.Topologies;
using Aspire.Hosting.ApplicationModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost.ControlApi;

/// <summary>
/// The control API inside the AppHost process: a small Kestrel app on 127.0.0.1:<c>--control-port</c> serving
/// <c>/api/resources</c>, <c>/api/topology</c> and the cluster operations, all backed by the AppHost's own services
/// (the same objects the dashboard commands use). LoadGen, the tests and scripts call it.
/// </summary>
internal sealed class ControlApiHost(IServiceProvider appHostServices, AppHostOptions options) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Called from BeforeStartEvent, then again by the host: once is enough.
        if (_app is not null)
        {
            return;
        }
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(options.ControlUrl.ToString());
        builder.Logging.ClearProviders();
        builder.Services.AddProblemDetails();
        _app = builder.Build();
        _app.UseExceptionHandler();
        _app.UseStatusCodePages();
        // Switches, kill-master and reset must not be reachable from a web page (DNS rebinding, cross-origin scripts);
        // the lab page is the one browser origin allowed beside the API's own.
        _app.UseLoopbackOnly(() => LabPageUrls(appHostServices));
        _app.MapResourcesApi(appHostServices);
        _app.MapTopologyApi(appHostServices.GetRequiredService<TopologyController>());
        _app.MapRedisClusterApi(appHostServices);
        _app.MapNetworkApi(appHostServices);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>LoadGen's endpoints once allocated: the lab page's origin.</summary>
    private static IEnumerable<Uri> LabPageUrls(IServiceProvider appHostServices) =>
        appHostServices.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<IResourceWithEndpoints>()
            .Where(r => r.Name == ResourceNames.LoadGen)
            .SelectMany(r => r.GetEndpoints())
            .Where(e => e.IsAllocated)
            .Select(e => new Uri(e.Url));

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
