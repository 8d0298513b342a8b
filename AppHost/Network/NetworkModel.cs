using System.Globalization;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using NetworkEmulation;

namespace AppHost.Network;

/// <summary>
/// <c>--network</c> in the app model: the <c>network</c> resource, a link in front of every server a service talks
/// to, and the services' references rewritten to the links. Without <c>--network</c> it adds nothing.
/// </summary>
public static partial class NetworkModel
{
    /// <summary>The dashboard resource's name.</summary>
    public const string ResourceName = "network";

    /// <summary>
    /// Puts links on the hops lb → each web replica, replica → every cache server and cluster node and catalogapi,
    /// catalogapi → postgres (call it once every resource is declared). Cluster nodes announce their link's port.
    /// </summary>
    public static void AddNetwork(this IDistributedApplicationBuilder builder, AppHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Network is not { } profile)
        {
            return;
        }

        var network = new SampleNetwork(new NetworkResource(ResourceName), profile);
        builder.Services.AddSingleton(network);
        var resource = builder.AddResource(network.Resource)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Network",
                State = new ResourceStateSnapshot($"Running ({profile.Name})", KnownResourceStateStyles.Success),
                Properties = network.Properties(),
            });
        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((e, _) => network.AttachAsync(e.Services.GetRequiredService<ResourceNotificationService>()));
        foreach (var named in LinkProfile.Named)
        {
            resource.WithCommand($"network-{named.Name}", $"Network: {named.Name}", async _ =>
            {
                await network.SetProfileAsync(named).ConfigureAwait(false);
                return CommandResults.Success($"Every link is {named.Name} now ({named})");
            }, new CommandOptions { Description = $"Switches every link to {named.Name} ({named}) while traffic flows.", IconName = "PlugConnected" });
        }

        var resources = builder.Resources;
        T Find<T>(string name) where T : IResource => resources.OfType<T>().Single(r => r.Name == name);

        // Servers with ports fixed at model time get their links now: a cluster node is told its link's port when it starts.
        var cluster = Find<RedisClusterResource>(ResourceNames.ClusterCache);
        foreach (var node in cluster.Nodes)
        {
            network.Link(node.Name, node.Port);
        }
        builder.CreateResourceBuilder(cluster).WithAnnouncedPorts(node => network.Link(node.Name, node.Port).Port);
        var caches = resources.OfType<LocalRedisResource>().Select(r => (r.Name, r.Port)).Concat(cluster.Nodes.Select(n => (n.Name, n.Port))).ToList();
        foreach (var (name, port) in caches)
        {
            network.Link(name, port);
        }
        var postgres = resources.OfType<LocalPostgresServerResource>().Single();
        network.Link(postgres.Name, postgres.Port);

        var catalogApi = Find<ProjectResource>(ResourceNames.CatalogApi);
        RewriteReferences(builder.CreateResourceBuilder(catalogApi), network, [(postgres.Name, () => Task.FromResult(postgres.Port))]);
        for (var i = 0; i < ResourceNames.WebReplicas; i++)
        {
            RewriteReferences(builder.CreateResourceBuilder(Find<ProjectResource>(ResourceNames.WebFrontend(i))), network,
                [.. caches.Select(c => (c.Name, (Func<Task<int>>)(() => Task.FromResult(c.Port)))), (catalogApi.Name, ProjectPort(catalogApi))]);
        }
        RewriteReferences(builder.CreateResourceBuilder(Find<ProjectResource>(ResourceNames.LoadBalancer)), network,
            [.. Enumerable.Range(0, ResourceNames.WebReplicas).Select(i => Find<ProjectResource>(ResourceNames.WebFrontend(i))).Select(r => (r.Name, ProjectPort(r)))]);
    }

    private static Func<Task<int>> ProjectPort(ProjectResource project) => async () =>
        int.Parse((await project.GetEndpoint("http").Property(EndpointProperty.Port).GetValueAsync().ConfigureAwait(false))!, CultureInfo.InvariantCulture);

    /// <summary>
    /// Replaces, in every environment value of <paramref name="client"/> (connection strings, <c>services__…</c>
    /// endpoints), each target's port by its link's: the last environment callback, so it sees what WithReference set.
    /// </summary>
    private static void RewriteReferences(IResourceBuilder<ProjectResource> client, SampleNetwork network, IReadOnlyList<(string Name, Func<Task<int>> Port)> targets)
        => client.WithEnvironment(async context =>
        {
            var links = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, port) in targets)
            {
                var targetPort = await port().ConfigureAwait(false);
                links[targetPort.ToString(CultureInfo.InvariantCulture)] = network.Link(name, targetPort).Port.ToString(CultureInfo.InvariantCulture);
            }

            foreach (var (key, value) in context.EnvironmentVariables.ToList())
            {
                var text = value switch
                {
                    string s => s,
                    IValueProvider provider => await provider.GetValueAsync(context.CancellationToken).ConfigureAwait(false),
                    _ => null,
                };
                if (text is null)
                {
                    continue;
                }

                var rewritten = Address().Replace(text, m => links.TryGetValue(m.Groups["port"].Value, out var link)
                    ? text[m.Index..m.Groups["port"].Index] + link
                    : m.Value);
                if (!string.Equals(rewritten, text, StringComparison.Ordinal))
                {
                    context.EnvironmentVariables[key] = rewritten;
                }
            }
        });

    // host:port (Redis, URLs) or Port=port (Npgsql), for a server on loopback.
    [GeneratedRegex(@"(?:(?:127\.0\.0\.1|localhost):|\bPort=)(?<port>\d+)(?!\d)")]
    private static partial Regex Address();
}
