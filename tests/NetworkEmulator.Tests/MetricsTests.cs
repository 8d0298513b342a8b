using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;

namespace NetworkEmulator.Tests;

/// <summary>The link's instruments, as an OpenTelemetry exporter would see them.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task EveryForwardedByteIsCountedPerLinkAndDirection()
    {
        var bytes = new ConcurrentDictionary<string, long>();
        var queued = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == NetworkMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "network.link.bytes" && Tag(tags, "network.link") == "metered")
            {
                bytes.AddOrUpdate(Tag(tags, "network.direction")!, value, (_, total) => total + value);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
        {
            if (instrument.Name == "network.link.queued_delay" && Tag(tags, "network.link") == "metered")
            {
                Interlocked.Increment(ref queued);
            }
        });
        listener.Start();
        await using var echo = new EchoServer();
        await using var link = NetworkLink.Start("metered", "127.0.0.1", echo.Port, LinkProfile.Lan);
        using var client = await Sockets.ConnectAsync(link.Port);

        await client.SendAsync(Sockets.RandomBytes(300_000));
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(300_000, (await Sockets.ReadToEndAsync(client)).Length);

        Assert.Equal(300_000, bytes.GetValueOrDefault("upstream"));
        Assert.Equal(300_000, bytes.GetValueOrDefault("downstream"));
        Assert.True(queued > 0, "No queued delay was recorded.");
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
