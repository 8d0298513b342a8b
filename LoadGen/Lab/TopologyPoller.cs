using System.Text.Json;
using LoadGen.Telemetry;

namespace LoadGen.Lab;

/// <summary>
/// Follows the AppHost's current topology (<c>GET /api/topology</c>), so measurements keep the right tag and the
/// charts get a marker when the topology is switched from the dashboard rather than from the page; and the
/// cluster's events, so that a node's death and its self-healing are markers too (<see cref="HealMarkers"/>).
/// </summary>
internal sealed class TopologyPoller(ControlApiClient control, TopologyTracker topology, LabRecorder recorder, LabService lab, LabOptions options, ILogger<TopologyPoller> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!control.IsConfigured)
        {
            logger.LogInformation("No ControlApi__Url: the topology tag stays '{Unknown}' and the page cannot switch topologies.", TopologyTracker.Unknown);
            return;
        }

        using var timer = new PeriodicTimer(options.TopologyPollInterval);
        var heals = new HealMarkers(recorder);
        do
        {
            // The cluster's events exist only once it runs; any other answer (404, 409) is simply no news.
            var events = await control.GetClusterEventsAsync(options.ClusterName, stoppingToken);
            if (events.IsSuccess && events.Body is { } list)
            {
                heals.Observe(list);
            }

            var response = await control.GetTopologyAsync(stoppingToken);
            if (response.IsSuccess && response.Body is { ValueKind: JsonValueKind.Object } body
                && body.TryGetProperty("current", out var current) && current.ValueKind == JsonValueKind.String)
            {
                var name = current.GetString();
                if (body.TryGetProperty("switching", out var switching) && switching.ValueKind == JsonValueKind.String)
                {
                    // A switch from the dashboard in progress: measurements belong to neither topology until it ends.
                    name = TopologyTracker.Switching(name ?? TopologyTracker.Unknown, switching.GetString()!);
                }

                var previous = topology.Current;
                // A switch from this page sets the tag itself and has its own marker; one from the dashboard gets a
                // marker when first seen: in progress ("single->naive"), or already done if it was quicker than a poll.
                if (lab.Running is null && name != previous && previous != TopologyTracker.Unknown && name is not null)
                {
                    var arrow = name.IndexOf("->", StringComparison.Ordinal);
                    if (arrow >= 0)
                    {
                        recorder.AddMarker("switch", "→ " + name[(arrow + 2)..], "from the AppHost");
                    }
                    else if (!previous.Contains("->", StringComparison.Ordinal))
                    {
                        recorder.AddMarker("switch", "→ " + name, "from the AppHost");
                    }
                }

                if (lab.Running is null)
                {
                    topology.Set(name);
                }
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
