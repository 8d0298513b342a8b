using Hosting.ApplicationModel;
using Hosting.Processes;

namespace Hosting.LoadBalancing;

/// <summary>Runs HAProxy in the foreground on a generated config; healthy once a backend replica is UP.</summary>
internal sealed class HaproxyLauncher(LoadBalancerResource lb, DistributedApplication app) : ResourceLauncher(lb)
{
    public string Home => Path.Combine(app.Options.StateDirectory, lb.Name);

    public string SocketPath => Path.Combine(Home, "haproxy.sock");

    public string MapPath => Path.Combine(Home, "lb.map");

    public LoadBalancerRuntime Runtime => field ??= new LoadBalancerRuntime(lb, SocketPath, MapPath);

    public override Task<ProcessSpec> PrepareAsync(int replica, CancellationToken cancellationToken)
    {
        var binary = BinaryLocator.Find("haproxy", "haproxy");
        Directory.CreateDirectory(Home);
        var cfg = Path.Combine(Home, "haproxy.cfg");
        File.WriteAllText(cfg, HaproxyConfig.Generate(lb, SocketPath, MapPath));
        if (lb.TryGetLastAnnotation<StickySessionsAnnotation>(out var sticky) && sticky.Switchable)
        {
            // A restart of HAProxy keeps the mode last set at run time.
            File.WriteAllText(MapPath, HaproxyConfig.GenerateMap(lb, Runtime.StickyOverride ?? sticky.InitiallySticky));
        }
        File.Delete(SocketPath);
        return Task.FromResult(new ProcessSpec(binary, ["-db", "-f", cfg], Home, new Dictionary<string, string>()));
    }

    public override bool HasHealthCheck => true;

    public override async Task<bool> CheckHealthAsync(int replica, CancellationToken cancellationToken)
    {
        var replicas = lb.Backend!.GetReplicaCount();
        for (var i = 0; i < replicas; i++)
        {
            var status = await Runtime.GetStatusAsync(i, cancellationToken).ConfigureAwait(false);
            if (status.StartsWith("UP", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    public override IReadOnlyList<string> GetEndpoints(int replica)
        => [$"http://127.0.0.1:{lb.Port}", $"http://127.0.0.1:{lb.StatsPort}/ (stats)"];
}
