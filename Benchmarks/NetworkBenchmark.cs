using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NetworkEmulation;

namespace Benchmarks;

/// <summary>
/// The network emulator against its configuration: the round trip it adds to a 16-byte ping-pong and to a 20 KB
/// request through one <c>lan</c> link, the relay's own cost with no delay and no rate limit, and the throughput of
/// a 1 Gbit/s link. Direct and relayed samples take turns in every round, so a noisy moment hits them alike.
/// </summary>
internal static class NetworkBenchmark
{
    private const int RequestSize = 20 * 1024;
    private const long StreamBytes = 250L << 20;

    public static async Task<int> RunAsync(string[] args)
    {
        var samples = Option(args, "--samples", 4_000);
        var rounds = Option(args, "--rounds", 8);
        var streams = Option(args, "--streams", 3);
        Console.WriteLine($"Network emulator, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");
        Console.WriteLine($"{samples} round trips per row in {rounds} interleaved rounds; throughput: {streams} streams of {StreamBytes >> 20} MB");

        using var lateness = new LatenessRecorder();
        using var server = new RequestServer();
        await using var lan = NetworkLink.Start("bench-lan", "127.0.0.1", server.Port, LinkProfile.Lan);
        await using var bare = NetworkLink.Start("bench-bare", "127.0.0.1", server.Port, LinkProfile.Unlimited);
        using var direct = Connect(server.Port);
        using var viaLan = Connect(lan.Port);
        using var viaBare = Connect(bare.Port);

        var rows = new (string Name, Socket Socket, int Size)[]
        {
            ("16 B ping-pong, direct", direct, 16),
            ("16 B ping-pong, lan link", viaLan, 16),
            ("16 B ping-pong, relay alone (0 delay, no rate limit)", viaBare, 16),
            ("20 KB request, direct", direct, RequestSize),
            ("20 KB request, lan link", viaLan, RequestSize),
        };
        var times = rows.Select(_ => new List<double>(samples)).ToArray();
        foreach (var (_, socket, size) in rows)
        {
            Measure(socket, size, 300, []);
        }

        lateness.Clear();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                Measure(rows[i].Socket, rows[i].Size, samples / rounds, times[i]);
            }
        }

        var cpuShare = (Process.GetCurrentProcess().TotalProcessorTime - cpu) / wall.Elapsed;
        var late = lateness.Percentiles("bench-lan");

        var rates = new List<double>();
        for (var i = 0; i < streams; i++)
        {
            rates.Add(await StreamAsync(server, lan.Port));
        }

        var p = times.Select(t => (P50: Percentile(t, 0.50), P99: Percentile(t, 0.99))).ToArray();
        Console.WriteLine();
        Console.WriteLine("| measurement | p50 µs | p99 µs | added p50 µs | added p99 µs | target |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        Row(rows[0].Name, p[0], null, "");
        Row(rows[1].Name, p[1], p[0], "added p50 200 ± 25 µs (2 × 100 µs)");
        Row(rows[2].Name, p[2], p[0], "added p50 ≤ 50 µs");
        Row(rows[3].Name, p[3], null, "");
        Row(rows[4].Name, p[4], p[3], "added p50 360 ± 45 µs (2 × 100 µs + 20 KB at 1 Gbit/s)");
        Console.WriteLine();
        Console.WriteLine("| throughput through a 1 Gbit/s link | Mbit/s | target |");
        Console.WriteLine("|---|---:|---|");
        for (var i = 0; i < rates.Count; i++)
        {
            Console.WriteLine($"| stream {i + 1}: {StreamBytes >> 20} MB, one connection | {rates[i]:F1} | 1000 ± 2 % |");
        }

        Console.WriteLine($"| median | {Percentile(rates, 0.5):F1} | {(Math.Abs(Percentile(rates, 0.5) / 1000 - 1) <= 0.02 ? "met" : "missed")} |");
        Console.WriteLine();
        Console.WriteLine($"The lan link's chunks left their due time late by p50 {late.P50:F1} µs, p99 {late.P99:F1} µs, max {late.Max:F1} µs ({late.Count} chunks).");
        var (stamped, unstamped) = RelayPipe.ReadCounts;
        Console.WriteLine($"Reads the kernel stamped (SO_TIMESTAMPNS): {stamped:N0}; timed after the read instead: {unstamped:N0}.");
        Console.WriteLine($"This process (client, server and relay) used {cpuShare:P0} of one core during the round trips.");
        Console.WriteLine($"Load average at the end: {LoadAverage()}");
        return 0;

        void Row(string name, (double P50, double P99) measured, (double P50, double P99)? baseline, string target)
        {
            var added = baseline is { } b
                ? $"{measured.P50 - b.P50:F1} | {measured.P99 - b.P99:F1}"
                : " | ";
            Console.WriteLine($"| {name} | {measured.P50:F1} | {measured.P99:F1} | {added} | {target} |");
        }
    }

    private static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        return socket;
    }

    /// <summary>Sequential round trips: a <paramref name="size"/>-byte request, a 16-byte reply; µs per round trip.</summary>
    private static void Measure(Socket socket, int size, int count, List<double> times)
    {
        var request = new byte[size];
        Random.Shared.NextBytes(request);
        request[0] = 0;
        BinaryPrimitives.WriteInt32BigEndian(request, size);
        var reply = new byte[RequestServer.ReplySize];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            socket.Send(request);
            var read = 0;
            while (read < reply.Length)
            {
                read += socket.Receive(reply, read, reply.Length - read, SocketFlags.None);
            }

            times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
    }

    /// <summary>One connection writes <see cref="StreamBytes"/> as fast as it can; the rate the server received them at.</summary>
    private static async Task<double> StreamAsync(RequestServer server, int port)
    {
        server.ResetSink();
        using var socket = Connect(port);
        var block = new byte[256 * 1024];
        Random.Shared.NextBytes(block);
        block[0] = 0xFF;
        socket.Send(block);
        block[0] = 0;
        for (var sent = (long)block.Length; sent < StreamBytes; sent += block.Length)
        {
            socket.Send(block);
        }

        socket.Shutdown(SocketShutdown.Send);
        var (bytes, first, last) = await server.Sink.Task.WaitAsync(TimeSpan.FromMinutes(2));
        // From the first byte's arrival to the last's: the first chunk's own transmission is not in the interval.
        return (bytes - block.Length) * 8 / Stopwatch.GetElapsedTime(first, last).TotalSeconds / 1e6;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg")
        ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))
        : "unknown";

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The emulator's own timing error, from its <c>network.link.lateness</c> instrument.</summary>
    private sealed class LatenessRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, List<double>> _values = [];

        public LatenessRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == NetworkMetrics.MeterName && instrument.Name == "network.link.lateness")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "network.link", Value: string link })
                    {
                        lock (_values)
                        {
                            if (!_values.TryGetValue(link, out var list))
                            {
                                _values[link] = list = [];
                            }

                            list.Add(value * 1e6);
                        }
                    }
                }
            });
            _listener.Start();
        }

        public void Clear()
        {
            lock (_values)
            {
                _values.Clear();
            }
        }

        public (double P50, double P99, double Max, int Count) Percentiles(string link)
        {
            lock (_values)
            {
                var list = _values.GetValueOrDefault(link) ?? [];
                return (Percentile(list, 0.5), Percentile(list, 0.99), list.Count == 0 ? double.NaN : list.Max(), list.Count);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
