using System.Globalization;
using NetworkEmulation;
using TestServers;

namespace Benchmarks;

/// <summary>
/// <c>-- article --network lan</c>: every server of the article's benchmark behind its own emulated link, in this
/// process. Cluster nodes announce their link's port (the bus stays direct), so the slot map, MOVED and ASK lead
/// the client through the links too.
/// </summary>
internal static class ArticleNetwork
{
    /// <summary>The profile of the links; null runs the benchmark on plain loopback.</summary>
    public static LinkProfile? Profile { get; set; }

    /// <summary>Reads <c>--network NAME</c>, <c>--network-delay</c>, <c>--network-rate</c>; throws saying what is accepted.</summary>
    public static LinkProfile? Parse(string[] args)
    {
        string? Value(string name)
        {
            var at = Array.IndexOf(args, name);
            return at < 0 ? null
                : at + 1 < args.Length ? args[at + 1]
                : throw new ArgumentException($"{name} needs a value: --network {string.Join('|', LinkProfile.Named.Select(p => p.Name))}, --network-delay 200us, --network-rate 1gbit.");
        }

        var (name, delay, rate) = (Value("--network"), Value("--network-delay"), Value("--network-rate"));
        return name is null && delay is null && rate is null ? null : LinkProfile.Parse(name, delay, rate);
    }

    /// <summary>
    /// Puts <paramref name="nodes"/> behind links when a profile is set and returns the connection string through
    /// them (or the direct one), and the network to dispose after the servers' clients.
    /// </summary>
    public static async Task<(string ConnectionString, EmulatedNetwork? Network)> ConnectAsync(
        RedisServers servers, IReadOnlyList<RedisServers.RedisNode> nodes, bool cluster)
    {
        if (Profile is not { } profile)
        {
            return (servers.ConnectionString([.. nodes]), null);
        }

        var network = new EmulatedNetwork(profile);
        var links = nodes.Select(n => network.AddLink($"redis-{n.Port}", "127.0.0.1", n.Port)).ToList();
        if (cluster)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                // The bus port is derived from the announced port unless set: keep it on the node's own bus.
                await Config(nodes[i], "cluster-announce-bus-port", nodes[i].Port + 10000);
                await Config(nodes[i], "cluster-announce-port", links[i].Port);
            }

            // Gossip carries each node's new port to the others; wait until every node's view shows all links.
            var expected = nodes.Select((n, i) => $" 127.0.0.1:{links[i].Port}@{n.Port + 10000}").ToList();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            foreach (var node in nodes)
            {
                while (!expected.All((await node.CliAsync("CLUSTER", "NODES")).Contains))
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException($"Node {node.Port} did not learn every link's port within 30 s.");
                    }

                    await Task.Delay(100);
                }
            }
        }

        var direct = servers.ConnectionString([.. nodes]);
        var through = string.Join(',', links.Select(l => $"127.0.0.1:{l.Port}")) + direct[direct.IndexOf(",password=", StringComparison.Ordinal)..];
        Console.WriteLine($"// network: {nodes.Count} link(s), {profile.Name}: {profile}");
        return (through, network);
    }

    private static async Task Config(RedisServers.RedisNode node, string name, int value)
    {
        var reply = await node.CliAsync("CONFIG", "SET", name, value.ToString(CultureInfo.InvariantCulture));
        if (!reply.Contains("OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"CONFIG SET {name} {value} on {node.Port} failed: {reply}");
        }
    }
}
