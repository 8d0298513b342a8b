using System.Diagnostics;
using System.Globalization;
using System.Text;
using NearCaching;
using StackExchange.Redis;
using TestServers;

namespace Benchmarks;

/// <summary>
/// The per-read cost of a near cache against a plain GET, in steady state: one 3+3 cluster, 10 stamped values of
/// 20,000 bytes, one sequential caller; GET, the Coherent hashing check, the Coherent stamp check and a Tracking
/// local read take turns in every round, so a noisy moment on a shared machine hits all of them alike.
/// </summary>
internal static class NearCacheCheckBenchmark
{
    private const int Values = 10;
    private const int ValueSize = 20_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var reads = Option(args, "--reads", 2_000);
        var rounds = Option(args, "--rounds", 5);
        await using var servers = new RedisServers();
        var nodes = await servers.StartClusterAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(servers.ConnectionString([.. nodes]));
        Console.WriteLine($"Redis Cluster 3+3 on loopback; {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"{Values} values of v<n>| + {ValueSize} bytes; {reads} sequential reads per row per round; median of {rounds} interleaved rounds");

        var db = redis.GetDatabase();
        await using var hashed = await NearCache.CreateAsync(redis, new NearCacheOptions { Mode = NearCacheMode.Coherent });
        await using var stamped = await NearCache.CreateAsync(redis,
            new NearCacheOptions { Mode = NearCacheMode.Coherent, VersionStamp = NearCacheVersionStamp.Prefix });
        await using var tracking = await NearCache.CreateAsync(redis, new NearCacheOptions { Mode = NearCacheMode.Tracking });
        var keys = new RedisKey[Values];
        var values = new Dictionary<RedisKey, RedisValue>();
        for (var i = 0; i < Values; i++)
        {
            keys[i] = $"check:{Guid.NewGuid()}";
            var body = new byte[ValueSize];
            Random.Shared.NextBytes(body);
            byte[] value = [.. Encoding.ASCII.GetBytes($"v{i + 1}|"), .. body];
            await db.StringSetAsync(keys[i], value);
            values[keys[i]] = value;
        }

        // The writes rewrite the same values, so every row reads (or writes) the same bytes.
        var rows = new (string Name, Func<RedisKey, Task<RedisValue>> Read)[]
        {
            ("SET (cluster)", async key => { await db.StringSetAsync(key, values[key]); return values[key]; }),
            ("SET through the near cache, Tracking (kept)", async key => { await tracking.StringSetAsync(key, values[key]); return values[key]; }),
            ("GET (cluster)", key => db.StringGetAsync(key)),
            ("near cache, Coherent (hash)", key => hashed.StringGetAsync(key).AsTask()),
            ("near cache, Coherent (version stamp)", key => stamped.StringGetAsync(key).AsTask()),
            ("near cache, Tracking (local read)", key => tracking.StringGetAsync(key).AsTask()),
        };

        // Warm-up: JIT, connections, scripts loaded on every master; not measured.
        foreach (var (_, read) in rows)
        {
            await ReadAsync(read, keys, reads);
        }

        var measured = rows.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var row = 0; row < rows.Length; row++)
            {
                measured[row].Add(await ReadAsync(rows[row].Read, keys, reads));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| call | µs per call (median) | min | max |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (var row = 0; row < rows.Length; row++)
        {
            var sorted = measured[row].Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rows[row].Name} | {sorted[sorted.Length / 2]:F1} | {sorted[0]:F1} | {sorted[^1]:F1} |"));
        }

        return 0;
    }

    /// <summary>Sequential reads over the keys: microseconds per read. Every read must return the whole value.</summary>
    private static async Task<double> ReadAsync(Func<RedisKey, Task<RedisValue>> read, RedisKey[] keys, int reads)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < reads; i++)
        {
            var value = await read(keys[i % keys.Length]);
            if (((ReadOnlyMemory<byte>)value).Length <= ValueSize)
            {
                throw new InvalidOperationException($"Read {((ReadOnlyMemory<byte>)value).Length} bytes of {keys[i % keys.Length]}.");
            }
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / reads;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
