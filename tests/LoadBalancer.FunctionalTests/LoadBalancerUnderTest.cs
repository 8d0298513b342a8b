using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.FunctionalTests;

/// <summary>
/// The real load balancer (its Program, YARP, service discovery) in process, in front of <see cref="Backend"/>s on
/// real loopback sockets; health probes every 200 ms (unless told otherwise) so that the tests wait on state briefly.
/// </summary>
public sealed class LoadBalancerUnderTest : WebApplicationFactory<Program>
{
    private readonly IReadOnlyList<Backend> _backends;
    private readonly TimeSpan _healthInterval;

    /// <summary>A load balancer over <paramref name="backends"/>, in that order (destination i is backend i).</summary>
    public LoadBalancerUnderTest(params Backend[] backends)
        : this(TimeSpan.FromMilliseconds(200), backends)
    {
    }

    /// <summary>As above, with active probes every <paramref name="healthInterval"/>.</summary>
    public LoadBalancerUnderTest(TimeSpan healthInterval, params Backend[] backends)
    {
        _backends = backends;
        _healthInterval = healthInterval;
    }

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        for (var i = 0; i < _backends.Count; i++)
        {
            builder.UseSetting($"LoadBalancer:Replicas:{i}", $"replica-{i}");
            builder.UseSetting($"services:replica-{i}:http:0", _backends[i].Url);
        }
        builder.UseSetting("LoadBalancer:HealthInterval", _healthInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("ADMIN_TOKEN", "test-token");
    }

    /// <summary>The passive and active health of replica <paramref name="index"/> as YARP holds them now.</summary>
    public DestinationHealthState? Health(int index)
    {
        var lookup = Services.GetRequiredService<IProxyStateLookup>();
        return lookup.TryGetCluster(ProxyConfiguration.ClusterId, out var cluster)
            ? cluster.Destinations.Values.FirstOrDefault(d => ReplicaDrain.ReplicaOf(d) == $"replica-{index}")?.Health
            : null;
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; fails with <paramref name="what"/> otherwise.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Not within 30 s: {what}");
            }
        }
    }
}
