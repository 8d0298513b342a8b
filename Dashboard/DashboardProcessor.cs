using System.Net;
using Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Dashboard;

/// <summary>Runs the dashboard web host inside the AppHost for as long as the application runs.</summary>
internal sealed class DashboardProcessor : IDistributedApplicationProcessor
{
    private WebApplication? _web;

    /// <summary>Extra endpoints to serve (<c>MapDashboardEndpoints</c>).</summary>
    public List<Action<Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, DistributedApplication>> EndpointMappers { get; } = [];

    public async Task StartAsync(DistributedApplication application, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, application.DashboardPort));
        var web = builder.Build();
        web.MapResourceApi(application);
        web.MapOtlpReceiver();
        foreach (var map in EndpointMappers)
        {
            map(web, application);
        }
        try
        {
            await web.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await web.DisposeAsync().ConfigureAwait(false);
            throw new DistributedApplicationException(
                $"The dashboard could not listen on 127.0.0.1:{application.DashboardPort} ({ex.Message}): stop what uses the port or choose another with --dashboard-port <port>.", ex);
        }
        _web = web;
        ConsoleLogWriter.WriteDashboardUrl(application.DashboardPort);
    }

    public async Task StopAsync(DistributedApplication application, CancellationToken cancellationToken)
    {
        if (_web is { } web)
        {
            _web = null;
            await web.StopAsync(cancellationToken).ConfigureAwait(false);
            await web.DisposeAsync().ConfigureAwait(false);
        }
    }
}
