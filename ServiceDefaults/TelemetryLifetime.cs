using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ServiceDefaults;

/// <summary>
/// Forces the OpenTelemetry providers into existence when the host starts; the container that created them
/// disposes (and so flushes) them when the host stops.
/// </summary>
internal sealed class TelemetryLifetime(TracerProvider tracerProvider, MeterProvider meterProvider) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(tracerProvider);
        GC.KeepAlive(meterProvider);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        tracerProvider.ForceFlush(2000);
        meterProvider.ForceFlush(2000);
        return Task.CompletedTask;
    }
}
