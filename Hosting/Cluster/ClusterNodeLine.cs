using System.Globalization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>One line of <c>CLUSTER NODES</c>, parsed.</summary>
internal sealed record ClusterNodeLine(
    string Id,
    string Host,
    int Port,
    int BusPort,
    IReadOnlySet<string> Flags,
    string? MasterId,
    long ConfigEpoch,
    string LinkState,
    IReadOnlyList<SlotRange> Slots,
    bool HasOpenSlots)
{
    public bool IsMyself => Flags.Contains("myself");

    public bool IsMaster => Flags.Contains("master");

    public bool IsFailed => Flags.Contains("fail") || Flags.Contains("fail?");

    public bool IsHandshake => Flags.Contains("handshake") || Flags.Contains("noaddr");

    public int SlotCount => Slots.Sum(r => r.Count);

    public static IReadOnlyList<ClusterNodeLine> ParseAll(string text)
    {
        var lines = new List<ClusterNodeLine>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            lines.Add(Parse(line));
        }

        return lines;
    }

    public static ClusterNodeLine Parse(string line)
    {
        // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 8)
        {
            throw new FormatException($"Not a CLUSTER NODES line: '{line}'.");
        }

        var address = parts[1].Split(',')[0];
        var at = address.IndexOf('@');
        var hostPort = at >= 0 ? address[..at] : address;
        var colon = hostPort.LastIndexOf(':');
        var busPort = at >= 0 ? int.Parse(address[(at + 1)..], CultureInfo.InvariantCulture) : 0;
        var slots = new List<SlotRange>();
        var open = false;
        for (var i = 8; i < parts.Length; i++)
        {
            var slot = parts[i];
            if (slot.StartsWith('['))
            {
                // [slot->-id] migrating or [slot-<-id] importing: not owned differently yet, but not settled either.
                open = true;
                continue;
            }

            var dash = slot.IndexOf('-');
            slots.Add(dash < 0
                ? new SlotRange(int.Parse(slot, CultureInfo.InvariantCulture), int.Parse(slot, CultureInfo.InvariantCulture))
                : new SlotRange(int.Parse(slot[..dash], CultureInfo.InvariantCulture), int.Parse(slot[(dash + 1)..], CultureInfo.InvariantCulture)));
        }

        return new ClusterNodeLine(
            parts[0],
            hostPort[..colon],
            int.Parse(hostPort[(colon + 1)..], CultureInfo.InvariantCulture),
            busPort,
            parts[2].Split(',').ToHashSet(StringComparer.Ordinal),
            parts[3] == "-" ? null : parts[3],
            long.Parse(parts[6], CultureInfo.InvariantCulture),
            parts[7],
            slots,
            open);
    }
}
