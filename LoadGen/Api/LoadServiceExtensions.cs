using LoadGen.Workloads;

namespace LoadGen.Api;

/// <summary>Registers LoadGen's service: the default workload from configuration and the run controller.</summary>
public static class LoadServiceExtensions
{
    /// <summary>
    /// Adds <see cref="LoadService"/>. The default workload is bound from <c>LoadGen:Workload</c> (runs until stopped
    /// unless it sets a duration); its base URL is the load balancer (<c>services:lb:http:0</c>, set by the AppHost as
    /// <c>services__lb__http__0</c>) and CatalogApi's is <c>services:catalogapi:http:0</c>. With
    /// <c>LoadGen:AutoStart=true</c> the default workload starts with the service.
    /// </summary>
    public static IServiceCollection AddLoadGenService(this IServiceCollection services, IConfiguration configuration)
    {
        var defaults = new Workload { DurationSeconds = 0 };
        configuration.GetSection("LoadGen:Workload").Bind(defaults);
        defaults = defaults with
        {
            BaseUrl = defaults.BaseUrl ?? configuration["services:lb:http:0"],
            CatalogUrl = defaults.CatalogUrl ?? configuration["services:catalogapi:http:0"],
        };

        services.AddSingleton(sp => new LoadService(defaults, sp.GetRequiredService<ILogger<LoadService>>(), sp.GetService<Telemetry.ILoadObserver>()));
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.WriteIndented = false);
        if (configuration.GetValue<bool>("LoadGen:AutoStart"))
        {
            services.AddHostedService<AutoStartService>();
        }

        return services;
    }
}
