using System.Text.Json;
using LoadGen.Telemetry;

namespace LoadGen.Lab;

/// <summary>
/// The lab's actions: one topology switch or cluster operation at a time, each checked before anything is sent to the
/// AppHost, each leaving a marker on the charts; and the topology diagram's data.
/// </summary>
public sealed class LabService(ControlApiClient control, TopologyTracker topology, LabRecorder recorder, LabOptions options, ILogger<LabService> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile string? _running;

    /// <summary>The action in progress (e.g. <c>switch → naive</c>), or null.</summary>
    public string? Running => _running;

    /// <summary>The control API in use (null without an AppHost).</summary>
    public ControlApiClient Control => control;

    /// <summary>The cluster the operations act on.</summary>
    public string ClusterName => options.ClusterName;

    /// <summary>Checks a switch to <paramref name="name"/> against the AppHost's list, then runs it.</summary>
    public async Task<LabResult> SwitchTopologyAsync(string? name, int? waitForReplicas, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return LabResult.Invalid("name", "Give the topology to switch to, e.g. { \"name\": \"cluster\" }.");
        }

        if (waitForReplicas is < 0 or > 5)
        {
            return LabResult.Invalid("waitForReplicas", "Between 0 and 5 Redis replicas.");
        }

        if (!control.IsConfigured)
        {
            return LabResult.Unavailable(ControlResponse.NotConfigured.Describe());
        }

        // The names come from the AppHost so the page never offers one it does not know; checked before the gate so a
        // typo is a 400 even while another action runs.
        var status = await control.GetTopologyAsync(cancellationToken);
        if (!status.IsSuccess || status.Body is not { } body)
        {
            return LabResult.Unavailable("The topology list could not be read: " + status.Describe());
        }

        var available = TopologyNames(body);
        var match = available.FirstOrDefault(n => string.Equals(n, name.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            return LabResult.Invalid("name", $"'{name}' is not a topology. Known: {string.Join(", ", available)}.");
        }

        return await RunExclusiveAsync("switch", "→ " + match, async token =>
        {
            var before = topology.Current;
            topology.Set(TopologyTracker.Switching(before, match));
            var response = await control.SwitchTopologyAsync(match, waitForReplicas, token);
            // After a failure the AppHost says where it is; the poller reads it once this action has ended.
            topology.Set(response.IsSuccess ? match : before);
            return response;
        }, cancellationToken);
    }

    /// <summary>Checks a cluster operation's arguments, then runs it.</summary>
    public async Task<LabResult> RunClusterOperationAsync(string? operation, string? nodeId, CancellationToken cancellationToken)
    {
        if (!TryParseOperation(operation, out var op))
        {
            return LabResult.Invalid("operation", $"'{operation}' is not a cluster operation. Known: {string.Join(", ", OperationNames)}.");
        }

        if (op is ClusterOperation.RemoveNode or ClusterOperation.RestartNode && string.IsNullOrWhiteSpace(nodeId))
        {
            return LabResult.Invalid("nodeId", $"'{OperationName(op)}' needs the node's id (see GET /api/lab/diagram).");
        }

        if (nodeId is not null && (nodeId.Length is < 1 or > 64 || !nodeId.All(char.IsAsciiLetterOrDigit)))
        {
            return LabResult.Invalid("nodeId", "A node id is the 40 hexadecimal characters Redis gives a node.");
        }

        if (!control.IsConfigured)
        {
            return LabResult.Unavailable(ControlResponse.NotConfigured.Describe());
        }

        var label = OperationName(op).Replace('-', ' ') + (nodeId is null ? "" : " " + nodeId[..Math.Min(8, nodeId.Length)]);
        return await RunExclusiveAsync("operation", label,
            token => control.RunClusterOperationAsync(options.ClusterName, op, nodeId, token), cancellationToken);
    }

    /// <summary>The diagram: which cache each replica uses, and the cluster's nodes with their slots and roles.</summary>
    public async Task<TopologyDiagram> GetDiagramAsync(CancellationToken cancellationToken)
    {
        if (!control.IsConfigured)
        {
            return TopologyDiagram.Unavailable(topology.Current, ControlResponse.NotConfigured.Describe());
        }

        var statusTask = control.GetTopologyAsync(cancellationToken);
        var resourcesTask = control.GetResourcesAsync(cancellationToken);
        var clusterTask = control.GetClusterAsync(options.ClusterName, cancellationToken);
        await Task.WhenAll(statusTask, resourcesTask, clusterTask);
        return TopologyDiagram.Build(await statusTask, await resourcesTask, await clusterTask, options.ClusterName);
    }

    /// <summary>The operations' names as the API takes them.</summary>
    public static IReadOnlyList<string> OperationNames { get; } = [.. Enum.GetValues<ClusterOperation>().Select(OperationName)];

    /// <summary><c>AddMaster</c> → <c>add-master</c>.</summary>
    public static string OperationName(ClusterOperation operation) => operation switch
    {
        ClusterOperation.AddMaster => "add-master",
        ClusterOperation.AddReplica => "add-replica",
        ClusterOperation.RemoveNode => "remove-node",
        ClusterOperation.KillMaster => "kill-master",
        ClusterOperation.RestartNode => "restart-node",
        ClusterOperation.Reset => "reset",
        _ => operation.ToString(),
    };

    /// <summary>The names in <c>available[].name</c> of a <c>GET /api/topology</c> answer.</summary>
    public static IReadOnlyList<string> TopologyNames(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("available", out var available) && available.ValueKind == JsonValueKind.Array
            ? [.. available.EnumerateArray()
                .Select(t => t.ValueKind == JsonValueKind.Object && t.TryGetProperty("name", out var n) ? n.GetString() : t.ValueKind == JsonValueKind.String ? t.GetString() : null)
                .OfType<string>()]
            : [];

    private static bool TryParseOperation(string? text, out ClusterOperation operation)
    {
        foreach (var candidate in Enum.GetValues<ClusterOperation>())
        {
            if (string.Equals(OperationName(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                operation = candidate;
                return true;
            }
        }

        operation = default;
        return false;
    }

    private async Task<LabResult> RunExclusiveAsync(string kind, string label, Func<CancellationToken, Task<ControlResponse>> action, CancellationToken cancellationToken)
    {
        // Never queue: a second action behind a long one would run on a system the person no longer sees.
        if (!_gate.Wait(0, CancellationToken.None))
        {
            return LabResult.Busy($"'{_running}' is in progress; wait until it is done.");
        }

        var marker = recorder.BeginMarker(kind, label);
        var started = TimeProvider.System.GetTimestamp();
        _running = kind == "switch" ? "switch " + label : label;
        try
        {
            logger.LogInformation("Lab: {Kind} {Label} started", kind, label);
            // Once sent, an action runs to its end even if the browser goes away (the AppHost's switch does the same),
            // and the gate stays closed until then.
            var response = await action(CancellationToken.None);
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            var detail = response.IsSuccess ? $"{elapsed.TotalSeconds:F1} s" : response.Describe();
            recorder.EndMarker(marker, response.IsSuccess, detail);
            logger.LogInformation("Lab: {Kind} {Label} {Outcome} ({Detail})", kind, label, response.IsSuccess ? "done" : "failed", detail);
            return LabResult.From(response);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            recorder.EndMarker(marker, succeeded: false, ex.Message);
            throw;
        }
        finally
        {
            _running = null;
            _gate.Release();
        }
    }
}
