using System.Text.Json;

namespace LoadGen.Lab;

/// <summary>
/// Turns the cluster's operation events (<c>GET /api/clusters/{name}/events</c>) into chart markers for what nobody
/// clicked: a node's death and its healing (<c>Heal [detected]</c> … <c>Heal [done]</c>), or, with self-healing
/// off, the death alone. The page's own operations have their markers already.
/// </summary>
public sealed class HealMarkers(LabRecorder recorder)
{
    private readonly Queue<long> _running = new();
    private DateTimeOffset? _seenUntil;

    /// <summary>
    /// Takes the events as the control API lists them (oldest first). The first call only notes where the history
    /// ends: a heal before LoadGen started is no marker now.
    /// </summary>
    public void Observe(JsonElement events)
    {
        if (events.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var fresh = new List<(DateTimeOffset Time, string Step, string Message)>();
        foreach (var e in events.EnumerateArray())
        {
            if (e.TryGetProperty("operation", out var operation) && operation.GetString() == "Heal"
                && e.TryGetProperty("time", out var time) && time.TryGetDateTimeOffset(out var at)
                && (_seenUntil is null || at > _seenUntil))
            {
                fresh.Add((at, e.GetProperty("step").GetString() ?? "", e.GetProperty("message").GetString() ?? ""));
            }
        }

        var first = _seenUntil is null;
        if (fresh.Count > 0)
        {
            _seenUntil = fresh.Max(f => f.Time);
        }
        else
        {
            _seenUntil ??= DateTimeOffset.MinValue;
        }

        if (first)
        {
            return;
        }

        foreach (var (_, step, message) in fresh)
        {
            var node = message.Split(' ', 2)[0];
            switch (step)
            {
                case "detected":
                    _running.Enqueue(recorder.BeginMarker("operation", $"heal {node}"));
                    break;
                case "healed":
                    if (_running.TryDequeue(out var healed))
                    {
                        recorder.EndMarker(healed, succeeded: true, message);
                    }

                    break;
                case "failed":
                    if (_running.TryDequeue(out var failed))
                    {
                        recorder.EndMarker(failed, succeeded: false, message);
                    }

                    break;
                case "off":
                    recorder.AddMarker("operation", $"{node} down", "self-healing is off: Restart node brings it back");
                    break;
            }
        }
    }
}
