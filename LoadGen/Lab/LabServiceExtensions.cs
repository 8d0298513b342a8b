using LoadGen.Api;
using LoadGen.Telemetry;
using OpenTelemetry.Metrics;

namespace LoadGen.Lab;

/// <summary>Registers the lab: the topology tag, the instruments, the recorder behind the page, the control API client.</summary>
public static class LabServiceExtensions
{
    /// <summary>
    /// Adds the lab's services and LoadGen's meter (<see cref="LoadGenMetrics.MeterName"/>) to the OpenTelemetry
    /// metrics ServiceDefaults exports. The control API is <c>ControlApi:Url</c> (env <c>ControlApi__Url</c>).
    /// </summary>
    public static IServiceCollection AddLab(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new LabOptions();
        configuration.GetSection("LoadGen:Lab").Bind(options);
        if (configuration["ControlApi:Url"] is { Length: > 0 } url)
        {
            options.ControlApiUrl = Uri.TryCreate(url, UriKind.Absolute, out var uri)
                ? uri
                : throw new InvalidOperationException($"ControlApi:Url '{url}' is not an absolute URL, e.g. http://127.0.0.1:18889.");
        }

        services.AddSingleton(options);
        services.AddSingleton<TopologyTracker>();
        services.AddSingleton(sp => new LoadGenMetrics(sp.GetRequiredService<TopologyTracker>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(sp => new LabRecorder(sp.GetRequiredService<TopologyTracker>()));
        services.AddSingleton<ILoadObserver>(sp => new LoadObservers(sp.GetRequiredService<LoadGenMetrics>(), sp.GetRequiredService<LabRecorder>()));
        services.AddSingleton(sp => new ControlApiClient(options.ControlApiUrl));
        services.AddSingleton<LabService>();
        services.AddHostedService<TopologyPoller>();
        // ServiceDefaults exports the metrics; LoadGen only names its meter, so ServiceDefaults need not know it.
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(LoadGenMetrics.MeterName));
        return services;
    }
}
