using System.Text.Json;

namespace LoadGen.Lab;

/// <summary>The page's topology diagram: the replicas and the cache each one uses, and the cluster's nodes.</summary>
/// <param name="Topology">The current topology (or <c>unknown</c>).</param>
/// <param name="Switching">The topology a switch in progress goes to, or null.</param>
/// <param name="Replicas">Each web replica and the cache resource it uses (null: none).</param>
/// <param name="Cluster">The cluster's nodes when it runs, else null.</param>
/// <param name="Message">Why part of the diagram is missing, or null.</param>
public sealed record TopologyDiagram(string Topology, string? Switching, IReadOnlyList<ReplicaCache> Replicas, ClusterDiagram? Cluster, string? Message)
{
    private static readonly string[] s_defaultReplicas = ["webfrontend-0", "webfrontend-1", "webfrontend-2"];

    /// <summary>A diagram without a control API.</summary>
    public static TopologyDiagram Unavailable(string topology, string message) => new(topology, null, [], null, message);

    /// <summary>Builds the diagram from the control API's answers (any of which may have failed).</summary>
    public static TopologyDiagram Build(ControlResponse status, ControlResponse resources, ControlResponse cluster, string clusterName)
    {
        var messages = new List<string>();
        string current = Telemetry.TopologyTracker.Unknown;
        string? switching = null;
        string? cacheKind = null;
        if (status.IsSuccess && status.Body is { ValueKind: JsonValueKind.Object } s)
        {
            current = String(s, "current") ?? current;
            switching = String(s, "switching");
            if (s.TryGetProperty("available", out var available) && available.ValueKind == JsonValueKind.Array)
            {
                cacheKind = available.EnumerateArray()
                    .Where(t => t.ValueKind == JsonValueKind.Object && string.Equals(String(t, "name"), current, StringComparison.OrdinalIgnoreCase))
                    .Select(t => t.TryGetProperty("cache", out var c) ? c.ToString() : null)
                    .FirstOrDefault();
            }
        }
        else
        {
            messages.Add("Topology: " + status.Describe());
        }

        var states = ResourceStates(resources);
        // webfrontend-i only: Aspire adds hidden helpers such as webfrontend-0-rebuilder.
        var replicas = states.Keys.Where(IsReplica).Order(StringComparer.Ordinal).ToList();
        if (replicas.Count == 0)
        {
            replicas = [.. s_defaultReplicas];
        }

        var rows = replicas.Select((name, i) =>
        {
            var cache = CacheOf(cacheKind, name, i, clusterName);
            return new ReplicaCache(name, states.GetValueOrDefault(name), cache, cache is null ? null : states.GetValueOrDefault(cache));
        }).ToList();

        ClusterDiagram? clusterDiagram = null;
        if (cluster.IsSuccess && cluster.Body is { ValueKind: JsonValueKind.Object } c)
        {
            clusterDiagram = ClusterDiagram.From(clusterName, c);
        }
        else if (cluster.Status != 0)
        {
            // 404/409: declared but not started (the topology does not use it yet); not an error worth shouting.
            messages.Add($"Cluster {clusterName}: {cluster.Describe()}");
        }

        return new TopologyDiagram(current, switching, rows, clusterDiagram, messages.Count == 0 ? null : string.Join(" ", messages));
    }

    private static bool IsReplica(string name) =>
        name.StartsWith("webfrontend-", StringComparison.Ordinal) && int.TryParse(name.AsSpan("webfrontend-".Length), out _);

    private static string? CacheOf(string? cacheKind, string replica, int index, string clusterName)
    {
        var kind = cacheKind?.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        var suffix = replica[(replica.LastIndexOf('-') + 1)..];
        return kind switch
        {
            "single" => "cache",
            "perreplica" => "cache-naive-" + (int.TryParse(suffix, out var n) ? n : index),
            "cluster" => clusterName,
            // An installed ScaleOut StateServer, the AppHost's resource "soss" (external: no cluster diagram).
            "soss" => "soss",
            _ => null,
        };
    }

    private static Dictionary<string, string> ResourceStates(ControlResponse resources)
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!resources.IsSuccess || resources.Body is not { } body)
        {
            return states;
        }

        var list = body.ValueKind == JsonValueKind.Array ? body
            : body.ValueKind == JsonValueKind.Object && body.TryGetProperty("resources", out var r) && r.ValueKind == JsonValueKind.Array ? r
            : default;
        if (list.ValueKind != JsonValueKind.Array)
        {
            return states;
        }

        foreach (var resource in list.EnumerateArray())
        {
            if (resource.ValueKind == JsonValueKind.Object && String(resource, "name") is { } name)
            {
                var state = String(resource, "state") ?? "";
                var health = String(resource, "health");
                states[name] = health is { Length: > 0 } && state is "Running" ? health : state;
            }
        }

        return states;
    }

    internal static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>One web replica and the cache it uses.</summary>
/// <param name="Replica">The replica's resource name.</param>
/// <param name="State">Its state (health when running), if known.</param>
/// <param name="Cache">The cache resource it uses, or null (no cache).</param>
/// <param name="CacheState">The cache's state, if known.</param>
public sealed record ReplicaCache(string Replica, string? State, string? Cache, string? CacheState);

/// <summary>The cluster's nodes.</summary>
/// <param name="Name">The cluster resource.</param>
/// <param name="Ok">Every running node says <c>cluster_state:ok</c>.</param>
/// <param name="SlotsCovered">Slots with an owner (of 16384).</param>
/// <param name="Nodes">Masters (by first slot), each followed by nothing: replicas name their master.</param>
public sealed record ClusterDiagram(string Name, bool Ok, int SlotsCovered, IReadOnlyList<ClusterNode> Nodes)
{
    /// <summary>Reads a <c>GET /api/clusters/{name}</c> answer.</summary>
    public static ClusterDiagram From(string name, JsonElement state)
    {
        var nodes = new List<ClusterNode>();
        if (state.TryGetProperty("nodes", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var n in list.EnumerateArray())
            {
                var slots = new List<int[]>();
                if (n.TryGetProperty("slots", out var ranges) && ranges.ValueKind == JsonValueKind.Array)
                {
                    foreach (var range in ranges.EnumerateArray())
                    {
                        if (range.ValueKind == JsonValueKind.Object && Number(range, "start") is { } a && Number(range, "end") is { } b)
                        {
                            slots.Add([(int)a, (int)b]);
                        }
                    }
                }

                nodes.Add(new ClusterNode(
                    TopologyDiagram.String(n, "id") ?? "",
                    TopologyDiagram.String(n, "address") ?? "",
                    (TopologyDiagram.String(n, "role") ?? "").ToLowerInvariant(),
                    TopologyDiagram.String(n, "masterId"),
                    slots,
                    (int?)Number(n, "slotCount") ?? slots.Sum(r => r[1] - r[0] + 1),
                    // Null when the node did not answer DBSIZE (it is down).
                    Number(n, "keys"),
                    n.TryGetProperty("failed", out var failed) && failed.ValueKind == JsonValueKind.True,
                    // A null processId says its process is down; no such field says nothing, so assume it runs.
                    !(n.TryGetProperty("processId", out var pid) && pid.ValueKind == JsonValueKind.Null)));
            }
        }

        return new ClusterDiagram(
            name,
            state.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True,
            (int)(Number(state, "slotsCovered") ?? 0),
            nodes);
    }

    private static long? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;
}

/// <summary>A node of the cluster.</summary>
/// <param name="Id">Its node id.</param>
/// <param name="Address"><c>127.0.0.1:port</c>.</param>
/// <param name="Role"><c>master</c> or <c>replica</c>.</param>
/// <param name="MasterId">The master a replica follows.</param>
/// <param name="Slots">Slot ranges as [start, end] (masters).</param>
/// <param name="SlotCount">Slots it owns.</param>
/// <param name="Keys">Keys it holds, if it answered.</param>
/// <param name="Failed">Flagged failing by the cluster.</param>
/// <param name="Running">Its process runs.</param>
public sealed record ClusterNode(string Id, string Address, string Role, string? MasterId, IReadOnlyList<int[]> Slots, int SlotCount, long? Keys, bool Failed, bool Running);
