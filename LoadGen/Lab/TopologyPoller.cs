using System.Text.Json;
using LoadGen.Telemetry;

namespace LoadGen.Lab;

/// <summary>
/// Follows the AppHost's current topology (<c>GET /api/topology</c>), so measurements keep the right tag and the
/// charts get a marker when the topology is switched from the dashboard rather than from the page.
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
        do
        {
            var response = await control.GetTopologyAsync(stoppingToken);
            if (response.IsSuccess && response.Body is { ValueKind: JsonValueKind.Object } body
                && body.TryGetProperty("current", out var current) && current.ValueKind == JsonValueKind.String)
            {
                var name = current.GetString();
                var previous = topology.Current;
                // A switch from this page sets the tag itself and has its own marker.
                if (lab.Running is null && name != previous && previous != TopologyTracker.Unknown)
                {
                    recorder.AddMarker("switch", "→ " + name, "seen on the AppHost");
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
