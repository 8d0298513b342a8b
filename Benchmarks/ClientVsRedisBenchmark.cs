using System.Diagnostics;
using System.Globalization;
using System.Text;
using StackExchange.Redis;
using TestServers;

namespace Benchmarks;

/// <summary>
/// redis-benchmark (Redis's C tool) and StackExchange.Redis against the same server in one run, for context: GET and
/// SET with 50 concurrent callers and 256-byte values, then one sequential caller with 20,000-byte values.
/// </summary>
internal static class ClientVsRedisBenchmark
{
    private const int KeySpace = 100_000;
    private const int LargeValue = 20_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = Option(args, "--requests", 200_000);
        var rounds = Option(args, "--rounds", 3);
        var largeRequests = Math.Max(1_000, requests / 10);
        await using var servers = new RedisServers();
        var server = await servers.StartAsync();
        Console.WriteLine($"redis-server on 127.0.0.1:{server.Port}; {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"{requests} requests per 256-byte row, {largeRequests} per 20,000-byte row; median of {rounds} interleaved rounds");

        await using var redis = await ConnectionMultiplexer.ConnectAsync(servers.ConnectionString(server));
        var db = redis.GetDatabase();

        // Warm-up: JIT and connection, not measured.
        await RunClientAsync(db, "SET", 50, 20_000, 256);
        await RunClientAsync(db, "GET", 50, 20_000, 256);

        // Each round runs every configuration once, so a noisy moment on a shared machine hits all tools alike;
        // each row is the round with the median ops/s.
        var measured = new List<Row>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var op in new[] { "SET", "GET" })
            {
                measured.Add(await RunRedisBenchmarkAsync(server, servers.Password, op, clients: 50, pipeline: 1, size: 256, requests));
                measured.Add(await RunRedisBenchmarkAsync(server, servers.Password, op, clients: 50, pipeline: 16, size: 256, requests));
                measured.Add(await RunClientAsync(db, op, 50, requests, 256));
            }

            foreach (var op in new[] { "SET", "GET" })
            {
                measured.Add(await RunRedisBenchmarkAsync(server, servers.Password, op, clients: 1, pipeline: 1, size: LargeValue, largeRequests));
                measured.Add(await RunClientAsync(db, op, 1, largeRequests, LargeValue));
            }
        }

        var rows = measured
            .GroupBy(r => (r.Op, r.Tool, r.Callers, r.Size))
            .Select(g => g.OrderBy(r => r.OpsPerSecond).ElementAt(g.Count() / 2))
            .OrderByDescending(r => r.Size == 256)
            .ToList();

        Print(rows);
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static async Task<Row> RunClientAsync(IDatabase db, string op, int callers, int requests, int size)
    {
        var value = new byte[size];
        Random.Shared.NextBytes(value);
        // Same keys as redis-benchmark: key:000000012345 with -r, the one literal key without it (the large values).
        var keys = size >= LargeValue
            ? [(RedisKey)"key:__rand_int__"]
            : Enumerable.Range(0, KeySpace).Select(i => (RedisKey)$"key:{i:D12}").ToArray();
        var perCaller = requests / callers;
        var latencies = new long[callers][];
        var started = Stopwatch.GetTimestamp();
        var tasks = new Task[callers];
        for (var c = 0; c < callers; c++)
        {
            var caller = c;
            latencies[caller] = new long[perCaller];
            tasks[caller] = Task.Run(async () =>
            {
                var random = new Random(caller);
                var mine = latencies[caller];
                for (var i = 0; i < perCaller; i++)
                {
                    var key = keys[random.Next(keys.Length)];
                    var start = Stopwatch.GetTimestamp();
                    if (op == "SET")
                    {
                        await db.StringSetAsync(key, value);
                    }
                    else
                    {
                        await db.StringGetAsync(key);
                    }

                    mine[i] = Stopwatch.GetTimestamp() - start;
                }
            });
        }

        await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Ms(double quantile) => all[(int)Math.Min(all.Length - 1, quantile * all.Length)] * 1000.0 / Stopwatch.Frequency;
        return new Row(op, "StackExchange.Redis", callers, 1, size, all.Length / elapsed.TotalSeconds, Ms(0.50), Ms(0.99));
    }

    private static async Task<Row> RunRedisBenchmarkAsync(RedisServers.RedisNode server, string password, string op, int clients, int pipeline, int size, int requests)
    {
        var start = new ProcessStartInfo("redis-benchmark") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     "-h", "127.0.0.1", "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-a", password,
                     "-t", op.ToLowerInvariant(), "-c", clients.ToString(CultureInfo.InvariantCulture),
                     "-P", pipeline.ToString(CultureInfo.InvariantCulture), "-d", size.ToString(CultureInfo.InvariantCulture),
                     "-n", requests.ToString(CultureInfo.InvariantCulture), "--csv",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        if (size < LargeValue)
        {
            start.ArgumentList.Add("-r");
            start.ArgumentList.Add(KeySpace.ToString(CultureInfo.InvariantCulture));
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
        var line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith($"\"{op}\"", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"redis-benchmark printed no {op} row: {output}");
        var fields = line.Split(',').Select(f => double.TryParse(f.Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
        return new Row(op, $"redis-benchmark -P {pipeline}", clients, pipeline, size, fields[1], fields[4], fields[6]);
    }

    private static void Print(List<Row> rows)
    {
        var table = new StringBuilder();
        table.AppendLine("| op | value | callers | tool | ops/s | p50 ms | p99 ms | client ÷ redis-benchmark -P 1 (ops/s, p99) |");
        table.AppendLine("|---|---:|---:|---|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            var baseline = rows.First(r => r.Op == row.Op && r.Size == row.Size && r.Tool == "redis-benchmark -P 1");
            var ratio = row.Tool == "StackExchange.Redis"
                ? $"{row.OpsPerSecond / baseline.OpsPerSecond:0.00}×, {row.P99 / baseline.P99:0.00}×"
                : "";
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Op} | {row.Size} B | {row.Callers} | {row.Tool} | {row.OpsPerSecond:N0} | {row.P50:0.000} | {row.P99:0.000} | {ratio} |");
        }

        Console.WriteLine();
        Console.Write(table);
    }

    private sealed record Row(string Op, string Tool, int Callers, int Pipeline, int Size, double OpsPerSecond, double P50, double P99);
}
