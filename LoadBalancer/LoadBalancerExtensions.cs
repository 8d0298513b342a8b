using LoadBalancer;
using OpenTelemetry.Instrumentation.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace Microsoft.Extensions.Hosting;

/// <summary>The load balancer's services and its proxy pipeline.</summary>
public static class LoadBalancerExtensions
{
    /// <summary>YARP with an in-memory configuration, destinations from service discovery, and the drain.</summary>
    public static IHostApplicationBuilder AddLoadBalancer(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<LoadBalancerOptions>(builder.Configuration.GetSection("LoadBalancer"));
        builder.Services.AddSingleton<ProxyConfiguration>();
        builder.Services.AddSingleton<IProxyConfigProvider>(s => s.GetRequiredService<ProxyConfiguration>().Provider);
        builder.Services.AddSingleton<ReplicaDrain>();
        builder.Services.AddServiceDiscovery();
        builder.Services.AddSingleton<ReplicaRetry>();
        builder.Services.AddSingleton<IPassiveHealthCheckPolicy, FirstTransportFailurePolicy>();
        builder.Services.AddSingleton<IActiveHealthCheckPolicy, ReplicaProbePolicy>();
        builder.Services.AddReverseProxy().AddServiceDiscoveryDestinationResolver();
        // The active health checks probe each replica every few seconds: unsampled, so that they do not bury the
        // requests in the dashboard's traces (the replica then does not record its side either).
        builder.Services.PostConfigure<HttpClientTraceInstrumentationOptions>(o =>
        {
            var inner = o.FilterHttpRequestMessage;
            o.FilterHttpRequestMessage = request => request.RequestUri?.AbsolutePath is not ("/health" or "/alive") && (inner?.Invoke(request) ?? true);
        });
        return builder;
    }

    /// <summary>
    /// YARP's default pipeline with the drain in front and the retry around it: drained replicas are no candidates
    /// for affinity or load balancing; a request whose replica could not be reached is sent once more to another
    /// (<see cref="ReplicaRetry"/>); every forwarded request is counted against its replica until it is answered.
    /// </summary>
    public static IReverseProxyApplicationBuilder UseReplicaPipeline(this IReverseProxyApplicationBuilder proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        var drain = proxy.ApplicationServices.GetRequiredService<ReplicaDrain>();
        var retry = proxy.ApplicationServices.GetRequiredService<ReplicaRetry>();
        proxy.Use((context, next) =>
        {
            drain.Filter(context.GetReverseProxyFeature());
            return next();
        });
        proxy.Use(retry.InvokeAsync);
        proxy.UseSessionAffinity();
        proxy.UseLoadBalancing();
        proxy.UsePassiveHealthChecks();
        proxy.Use(async (context, next) =>
        {
            var chosen = context.GetReverseProxyFeature().AvailableDestinations;
            if (chosen.Count == 0)
            {
                await next().ConfigureAwait(false);
                return;
            }
            using var tracking = drain.Track(chosen[0]);
            await next().ConfigureAwait(false);
        });
        return proxy;
    }
}
