using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace NearCache.FunctionalTests;

/// <summary>
/// The near cache against real servers: one multiplexer reads through the near cache, another one (a different
/// client, as far as the server knows) writes and deletes behind its back. Runs on a standalone server and on a
/// 3+3 cluster (the two subclasses).
/// </summary>
public abstract class NearCacheTests(ITestOutputHelper output)
{
    protected abstract string ConnectionString { get; }

    private string AdminConnectionString => ConnectionString + ",allowAdmin=true";

    [Fact]
    public async Task CoherentModeNeverServesAStaleValueOverAThousandWritesByAnotherClient()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, new NearCacheOptions { Mode = NearCacheMode.Coherent });
        var keys = Enumerable.Range(0, 20).Select(i => $"coherent:{Guid.NewGuid()}:{i}").ToArray();
        int stale = 0, local = 0, deletes = 0;

        for (var i = 0; i < 1000; i++)
        {
            var key = keys[i % keys.Length];
            string? expected = null;
            if (i % 10 == 9)
            {
                await writer.GetDatabase().KeyDeleteAsync(key);
                deletes++;
            }
            else
            {
                expected = $"value {i} of {key}";
                await writer.GetDatabase().StringSetAsync(key, expected);
            }

            // Once right after the write (the copy is out of date: refreshed) and once more (now current: local).
            for (var read = 0; read < 2; read++)
            {
                var result = await near.StringGetWithSourceAsync(key);
                stale += (string?)result.Value != expected ? 1 : 0;
                local += result.ServedLocally ? 1 : 0;
            }
        }

        output.WriteLine($"2,000 reads after 1,000 writes/deletes by another client: {stale} stale, {local} served locally, {deletes} deletes");
        Assert.Equal(0, stale);
        Assert.True(local >= 900, $"only {local} reads served locally");
    }

    [Fact]
    public async Task StampModeNeverServesAStaleValueOverAThousandStampedWritesByAnotherClient()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, Stamped);
        var keys = Enumerable.Range(0, 20).Select(i => $"stamped:{Guid.NewGuid()}:{i}").ToArray();
        var body = new string('j', 2_000);
        int stale = 0, local = 0, deletes = 0, tombstones = 0;

        for (var i = 0; i < 1000; i++)
        {
            // The versioned cache-aside's shapes: v<version>|<json>, a tombstone t<version> (no stamp: hashed), a delete.
            var key = keys[i % keys.Length];
            string? expected = null;
            if (i % 10 == 9)
            {
                await writer.GetDatabase().KeyDeleteAsync(key);
                deletes++;
            }
            else
            {
                expected = i % 10 == 4 ? $"t{i}" : $"v{i}|{{\"n\":{i},\"body\":\"{body}\"}}";
                tombstones += i % 10 == 4 ? 1 : 0;
                await writer.GetDatabase().StringSetAsync(key, expected);
            }

            for (var read = 0; read < 2; read++)
            {
                var result = await near.StringGetWithSourceAsync(key);
                stale += (string?)result.Value != expected ? 1 : 0;
                local += result.ServedLocally ? 1 : 0;
            }
        }

        output.WriteLine($"2,000 stamp-checked reads after 1,000 writes/deletes by another client: {stale} stale, {local} served locally, " +
                         $"{deletes} deletes, {tombstones} unstamped tombstones");
        Assert.Equal(0, stale);
        Assert.True(local >= 900, $"only {local} reads served locally");
    }

    [Fact]
    public async Task CoherentModeServesTheLocalCopyAfterAReadAndCountsIt()
    {
        var local = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == NearCacheDiagnostics.MeterName && instrument.Name == "nearcache.reads")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "nearcache.source", Value: "local" })
                {
                    Interlocked.Add(ref local, value);
                }
            }
        });
        listener.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(redis);
        var key = "hit:" + Guid.NewGuid();
        var payload = RandomNumbers(20_000);
        await redis.GetDatabase().StringSetAsync(key, payload);

        var first = await near.StringGetWithSourceAsync(key);
        var second = await near.StringGetWithSourceAsync(key);

        Assert.False(first.ServedLocally);
        Assert.True(second.ServedLocally);
        Assert.Equal(payload, (byte[]?)second.Value);
        var statistics = near.GetStatistics();
        Assert.Equal((1, 1, 1), (statistics.LocalReads, statistics.ServerReads, statistics.Entries));
        Assert.True(statistics.IsArmed);
        Assert.True(Interlocked.Read(ref local) >= 1);
    }

    [Fact]
    public async Task StampModeServesTheLocalCopyWhileTheStampIsUnchanged()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, Stamped);
        var key = "stamp-hit:" + Guid.NewGuid();
        var payload = Stamp("v1|", 20_000);
        await writer.GetDatabase().StringSetAsync(key, payload);

        var first = await near.StringGetWithSourceAsync(key);
        var second = await near.StringGetWithSourceAsync(key);
        await writer.GetDatabase().StringSetAsync(key, Stamp("v2|", 20_000));
        var afterWrite = await near.StringGetWithSourceAsync(key);
        var third = await near.StringGetWithSourceAsync(key);

        Assert.False(first.ServedLocally);
        Assert.True(second.ServedLocally);
        Assert.Equal(payload, (byte[]?)second.Value);
        Assert.False(afterWrite.ServedLocally);
        Assert.StartsWith("v2|", (string?)afterWrite.Value);
        Assert.True(third.ServedLocally);

        // A value written through the near cache is kept with its stamp and served from the next read on.
        await near.StringSetAsync(key, "v3|{}");
        var own = await near.StringGetWithSourceAsync(key);
        Assert.True(own.ServedLocally);
        Assert.Equal("v3|{}", (string?)own.Value);
    }

    [Theory]
    [InlineData("v1|{\"a\":1}", "short")]       // the server's value is now shorter than the stamp and has none
    [InlineData("v1|{\"a\":1}", "")]            // an empty string: not the same as a missing key
    [InlineData("v1|{\"a\":1}", "v1")]          // the stamp without its '|'
    [InlineData("t1", "t2")]                     // tombstones have no stamp: hashed
    public async Task StampModeSeesEveryOtherChangeOfAStampedOrUnstampedValue(string before, string after)
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, Stamped);
        var key = "stamp-changed:" + Guid.NewGuid();
        await writer.GetDatabase().StringSetAsync(key, before);
        await near.StringGetAsync(key);
        Assert.True((await near.StringGetWithSourceAsync(key)).ServedLocally);

        await writer.GetDatabase().StringSetAsync(key, after);

        var read = await near.StringGetWithSourceAsync(key);
        Assert.False(read.ServedLocally);
        Assert.False(read.Value.IsNull);
        Assert.Equal(after, (string?)read.Value);
        Assert.True((await near.StringGetWithSourceAsync(key)).ServedLocally);
    }

    [Fact]
    public async Task AValueWhoseBarIsBeyondTheFirst64BytesIsCheckedByItsHash()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, Stamped);
        var key = "stamp-far:" + Guid.NewGuid();
        var prefix = new string('v', 64) + "|";
        await writer.GetDatabase().StringSetAsync(key, prefix + "old");
        await near.StringGetAsync(key);
        Assert.True((await near.StringGetWithSourceAsync(key)).ServedLocally);

        // Same 65 leading bytes, different value: a stamp compare would miss it, the hash does not.
        await writer.GetDatabase().StringSetAsync(key, prefix + "new");

        Assert.Equal(prefix + "new", (string?)await near.StringGetAsync(key));
    }

    [Fact]
    public async Task AStampCheckNeverReadsTheWholeValueOnTheServerButAHashCheckDoes()
    {
        await using var observer = await ConnectionMultiplexer.ConnectAsync(AdminConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var stamped = await NearCaching.NearCache.CreateAsync(reader, Stamped);
        await using var hashed = await NearCaching.NearCache.CreateAsync(reader);
        var key = "stamp-cost:" + Guid.NewGuid();
        await observer.GetDatabase().StringSetAsync(key, Stamp("v1|", 20_000));
        await stamped.StringGetAsync(key);
        await hashed.StringGetAsync(key);

        // Commands a script runs are counted in INFO commandstats like any other: GET reads the value, GETRANGE
        // only the stamp. The tests run one at a time, so no other client touches the counters meanwhile.
        var before = await CommandCallsAsync(observer);
        for (var i = 0; i < 100; i++)
        {
            Assert.True((await stamped.StringGetWithSourceAsync(key)).ServedLocally);
        }

        var afterStamped = await CommandCallsAsync(observer);
        for (var i = 0; i < 100; i++)
        {
            Assert.True((await hashed.StringGetWithSourceAsync(key)).ServedLocally);
        }

        var afterHashed = await CommandCallsAsync(observer);
        output.WriteLine($"100 stamp checks: {afterStamped.GetRange - before.GetRange} GETRANGE, {afterStamped.Get - before.Get} GET; " +
                         $"100 hash checks: {afterHashed.GetRange - afterStamped.GetRange} GETRANGE, {afterHashed.Get - afterStamped.Get} GET");
        Assert.Equal(100, afterStamped.GetRange - before.GetRange);
        Assert.Equal(0, afterStamped.Get - before.Get);
        Assert.Equal(0, afterHashed.GetRange - afterStamped.GetRange);
        Assert.Equal(100, afterHashed.Get - afterStamped.Get);
    }

    /// <summary>
    /// The trade-off, shown: a writer that changes a value but keeps its stamp breaks the stamp contract. Hash mode
    /// sees the change; stamp mode goes on serving its local copy. That is why hashing is the default.
    /// </summary>
    [Fact]
    public async Task AWriterThatKeepsTheStampIsCaughtByHashModeButNotByStampMode()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var hashed = await NearCaching.NearCache.CreateAsync(reader);
        await using var stamped = await NearCaching.NearCache.CreateAsync(reader, Stamped);
        var key = "stamp-violated:" + Guid.NewGuid();
        await writer.GetDatabase().StringSetAsync(key, "v1|{\"price\":10}");
        await hashed.StringGetAsync(key);
        await stamped.StringGetAsync(key);

        await writer.GetDatabase().StringSetAsync(key, "v1|{\"price\":99}");   // contract violation: same stamp

        Assert.Equal("v1|{\"price\":99}", (string?)await hashed.StringGetAsync(key));
        var stale = await stamped.StringGetWithSourceAsync(key);
        Assert.True(stale.ServedLocally);
        Assert.Equal("v1|{\"price\":10}", (string?)stale.Value);
    }

    [Theory]
    [InlineData(NearCacheMode.Coherent)]
    [InlineData(NearCacheMode.Tracking)]
    public async Task AKeyDeletedByAnotherClientReadsAsNull(NearCacheMode mode)
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, new NearCacheOptions { Mode = mode });
        var key = "deleted:" + Guid.NewGuid();
        await writer.GetDatabase().StringSetAsync(key, "here");
        await ReadUntilLocalAsync(near, key, "here");

        await writer.GetDatabase().KeyDeleteAsync(key);

        // Coherent: the very next read. Tracking: once the server's invalidation has arrived (polled, bounded).
        var reads = await ReadUntilAsync(near, key, value => value.IsNull);
        output.WriteLine($"{mode}: null after {reads} read(s)");
        if (mode == NearCacheMode.Coherent)
        {
            Assert.Equal(1, reads);
        }
    }

    [Theory]
    [InlineData(NearCacheMode.Coherent)]
    [InlineData(NearCacheMode.Tracking)]
    public async Task WritesAndDeletesThroughTheNearCacheAreReadBackLocally(NearCacheMode mode)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var other = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(other, new NearCacheOptions { Mode = mode });
        var key = $"own:{mode}:{Guid.NewGuid()}";

        await near.StringSetAsync(key, "one");
        var one = await near.StringGetWithSourceAsync(key);
        Assert.Equal(("one", true), ((string?)one.Value, one.ServedLocally));
        await near.StringSetAsync(key, "two");
        var two = await near.StringGetWithSourceAsync(key);
        Assert.Equal(("two", true), ((string?)two.Value, two.ServedLocally));
        Assert.Equal("two", (string?)await redis.GetDatabase().StringGetAsync(key));

        // A write made through BeginWrite (a script here) is kept once acknowledged. In Tracking mode Redis
        // attributes a script's writes to the script's own client, not to ours, so NOLOOP does not hide them: the
        // invalidation of our own script write drops the copy again (safe, just not local).
        using (var write = near.BeginWrite(key))
        {
            var result = await near.Database.ScriptEvaluateAsync("redis.call('SET', KEYS[1], ARGV[1]) return 1", [key], ["three"]);
            Assert.Equal(1, (int)result);
            Assert.True(write.Keep("three") || mode == NearCacheMode.Tracking);
        }

        var three = await near.StringGetWithSourceAsync(key);
        Assert.Equal("three", (string?)three.Value);
        Assert.True(three.ServedLocally || mode == NearCacheMode.Tracking);
        Assert.Equal("three", (string?)await redis.GetDatabase().StringGetAsync(key));

        await near.KeyDeleteAsync(key);
        Assert.True((await near.StringGetAsync(key)).IsNull);
        Assert.False(await near.StringSetAsync(key, "four", when: When.Exists));
        Assert.True((await near.StringGetAsync(key)).IsNull);
    }

    [Fact]
    public async Task TrackingModeServesAValueItJustWroteLocallyUntilAnotherClientWritesIt()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, new NearCacheOptions { Mode = NearCacheMode.Tracking });
        var keys = Enumerable.Range(0, 20).Select(i => $"own-then-other:{Guid.NewGuid()}:{i}").ToArray();
        int local = 0, staleFirstReads = 0;

        for (var i = 0; i < 200; i++)
        {
            var key = keys[i % keys.Length];
            await near.StringSetAsync(key, $"ours {i}");
            var ours = await near.StringGetWithSourceAsync(key);
            Assert.Equal($"ours {i}", (string?)ours.Value);
            local += ours.ServedLocally ? 1 : 0;

            // Another client's later write: seen once its invalidation arrived (the staleness window, counted).
            await writer.GetDatabase().StringSetAsync(key, $"theirs {i}");
            var reads = await ReadUntilAsync(near, key, value => (string?)value == $"theirs {i}");
            staleFirstReads += reads > 1 ? 1 : 0;
        }

        output.WriteLine($"200 writes through the near cache: {local} read back locally; another client's write after each: " +
                         $"{staleFirstReads} first reads stale");
        Assert.True(local >= 190, $"only {local} of 200 own writes read back locally");
    }

    /// <summary>
    /// Tracking's staleness window, measured and reported (not asserted as a time): how often the first read right
    /// after another client's acknowledged write still returns the old value, and how long after the write's
    /// acknowledgement the local copy was dropped.
    /// </summary>
    [Fact]
    public async Task TrackingModeStalenessWindowAfterWritesByAnotherClientIsMeasured()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, new NearCacheOptions { Mode = NearCacheMode.Tracking });
        var keys = Enumerable.Range(0, 20).Select(i => $"window:{Guid.NewGuid()}:{i}").ToArray();
        var windows = new List<double>();
        int staleFirstReads = 0, maxReads = 0, measured = 0;

        var last = new Dictionary<string, string>();
        foreach (var key in keys)
        {
            await writer.GetDatabase().StringSetAsync(key, last[key] = "initial");
        }

        for (var i = 0; i < 500; i++)
        {
            var key = keys[i % keys.Length];
            await ReadUntilLocalAsync(near, key, last[key]);
            var expected = last[key] = $"value {i} of {key}";
            await writer.GetDatabase().StringSetAsync(key, expected);
            var acknowledged = Stopwatch.GetTimestamp();
            var reads = await ReadUntilAsync(near, key, value => (string?)value == expected);
            staleFirstReads += reads > 1 ? 1 : 0;
            maxReads = Math.Max(maxReads, reads);

            // A second write, timed without reads in between: from its acknowledgement until the copy is gone.
            await ReadUntilLocalAsync(near, key, expected);
            await writer.GetDatabase().StringSetAsync(key, expected);
            acknowledged = Stopwatch.GetTimestamp();
            var spins = 0;
            while (near.Store.Contains(key) && spins++ < 10_000_000)
            {
                Thread.SpinWait(20);
            }

            if (!near.Store.Contains(key))
            {
                windows.Add(Stopwatch.GetElapsedTime(acknowledged).TotalMicroseconds);
                measured++;
            }
        }

        windows.Sort();
        var statistics = near.GetStatistics();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"500 writes by another client: {staleFirstReads} first reads stale ({100.0 * staleFirstReads / 500:0.0}%), at most {maxReads} reads to see a write; " +
            $"copy dropped after the writer's acknowledgement (n={measured}): p50 {Percentile(windows, 0.5):0} µs, p99 {Percentile(windows, 0.99):0} µs, " +
            $"max {Percentile(windows, 1):0} µs; {statistics.Invalidations} invalidations, {statistics.Flushes} flushes, {statistics.Arms} arms"));
        Assert.True(measured >= 450, $"only {measured} of 500 copies dropped by an invalidation");
    }

    [Fact]
    public async Task TrackingModeFlushesWhenAnInvalidationSubscriberIsKilledAndArmsAgain()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(AdminConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, new NearCacheOptions { Mode = NearCacheMode.Tracking });
        var key = "subscriber-killed:" + Guid.NewGuid();
        await admin.GetDatabase().StringSetAsync(key, "before");
        await ReadUntilLocalAsync(near, key, "before");
        var arms = near.GetStatistics().Arms;

        // Invalidations sent while no subscriber listens are lost: the near cache must drop everything.
        await KillClientsAsync(admin, near.Tracking!.ClientName + "-inv");
        await PollAsync(() => near.GetStatistics().Arms > arms, "tracking to be armed again");
        Assert.False(near.Store.Contains(key));

        await admin.GetDatabase().StringSetAsync(key, "after");
        await ReadUntilLocalAsync(near, key, "after");
        await admin.GetDatabase().StringSetAsync(key, "again");
        var reads = await ReadUntilAsync(near, key, value => (string?)value == "again");
        output.WriteLine($"after the subscriber came back, a write was seen after {reads} read(s)");
    }

    [Fact]
    public async Task TrackingModeFlushesWhenItsDataConnectionIsKilledAndTracksTheNewOne()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(AdminConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(reader, new NearCacheOptions { Mode = NearCacheMode.Tracking });
        var key = "data-killed:" + Guid.NewGuid();
        await admin.GetDatabase().StringSetAsync(key, "before");
        await ReadUntilLocalAsync(near, key, "before");
        var arms = near.GetStatistics().Arms;

        // The server forgets what a killed connection tracked; the reconnected one tracks nothing until re-armed.
        await KillClientsAsync(admin, near.Tracking!.ClientName);
        await PollAsync(() => near.GetStatistics().Arms > arms, "tracking to be armed again");

        Assert.Equal("before", (string?)await near.StringGetAsync(key));
        await ReadUntilLocalAsync(near, key, "before");
        await admin.GetDatabase().StringSetAsync(key, "after");
        var reads = await ReadUntilAsync(near, key, value => (string?)value == "after");
        output.WriteLine($"after the reconnect, a write by another client was seen after {reads} read(s)");
    }

    [Theory]
    [InlineData(NearCacheMode.Coherent)]
    [InlineData(NearCacheMode.Tracking)]
    public async Task MemoryBoundsHoldWhenReadingMoreThanFits(NearCacheMode mode)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var prefix = $"bounds:{Guid.NewGuid()}:";
        var maxBytes = 30 * NearCaching.Internal.LocalStore.SizeOf(prefix + "000", new byte[1000]);
        await using var near = await NearCaching.NearCache.CreateAsync(redis, new NearCacheOptions { Mode = mode, MaxEntries = 50, MaxBytes = maxBytes });

        // 100 small values (the entries bound), then 100 of 1,000 bytes (the bytes bound). Written first and settled,
        // so no invalidation of these writes can drop a copy while the bounds are checked.
        for (var i = 0; i < 100; i++)
        {
            await redis.GetDatabase().StringSetAsync($"{prefix}{i:000}", "small");
        }

        await Settle.InvalidationsAsync(near, redis);
        for (var i = 0; i < 100; i++)
        {
            await near.StringGetAsync($"{prefix}{i:000}");
            Assert.True(near.GetStatistics().Entries <= 50);
        }

        Assert.Equal(50, near.GetStatistics().Entries);
        for (var i = 0; i < 100; i++)
        {
            await redis.GetDatabase().StringSetAsync($"{prefix}{i:000}", new byte[1000]);
        }

        await Settle.InvalidationsAsync(near, redis);
        for (var i = 0; i < 100; i++)
        {
            await near.StringGetAsync($"{prefix}{i:000}");
            Assert.True(near.GetStatistics().Bytes <= maxBytes, $"{near.GetStatistics().Bytes} bytes > {maxBytes}");
        }

        var statistics = near.GetStatistics();
        Assert.True(statistics.Entries <= 30);
        Assert.True(statistics.Evictions >= 100, $"{statistics.Evictions} evictions");
        Assert.True((await near.StringGetWithSourceAsync($"{prefix}099")).ServedLocally);
        Assert.False((await near.StringGetWithSourceAsync($"{prefix}000")).ServedLocally);
    }

    [Fact]
    public async Task TrackingPrefixesKeepOnlyTheKeysTheyCover()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var near = await NearCaching.NearCache.CreateAsync(redis, new NearCacheOptions { Mode = NearCacheMode.Tracking, TrackingPrefixes = ["product:"] });
        var covered = "product:" + Guid.NewGuid();
        var other = "session:" + Guid.NewGuid();
        await redis.GetDatabase().StringSetAsync(covered, "p");
        await redis.GetDatabase().StringSetAsync(other, "s");

        await ReadUntilLocalAsync(near, covered, "p");
        await near.StringGetAsync(other);
        Assert.False((await near.StringGetWithSourceAsync(other)).ServedLocally);

        await redis.GetDatabase().StringSetAsync(covered, "p2");
        await ReadUntilAsync(near, covered, value => (string?)value == "p2");
    }

    [Fact]
    public async Task DisposingATrackingNearCacheClosesEveryConnectionItOpened()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(AdminConnectionString);
        var near = await NearCaching.NearCache.CreateAsync(admin, new NearCacheOptions { Mode = NearCacheMode.Tracking });
        var name = near.Tracking!.ClientName;
        Assert.NotEqual(0, await CountClientsAsync(admin, name));

        await near.DisposeAsync();

        await PollAsync(() => CountClientsAsync(admin, name).GetAwaiter().GetResult() == 0, "the near cache's connections to close");
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await near.StringGetAsync("any"));
    }

    private static NearCacheOptions Stamped => new() { Mode = NearCacheMode.Coherent, VersionStamp = NearCacheVersionStamp.Prefix };

    private static byte[] RandomNumbers(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A stamp followed by random bytes (which may hold '|': only the first one counts).</summary>
    private static byte[] Stamp(string stamp, int bodyLength) => [.. Encoding.UTF8.GetBytes(stamp), .. RandomNumbers(bodyLength)];

    private static double Percentile(List<double> sorted, double quantile)
        => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, quantile * sorted.Count)];

    /// <summary>GET and GETRANGE calls so far, summed over every master.</summary>
    private static async Task<(long Get, long GetRange)> CommandCallsAsync(ConnectionMultiplexer admin)
    {
        long get = 0, getRange = 0;
        foreach (var server in admin.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var info = (await server.InfoAsync("commandstats")).SelectMany(group => group).ToDictionary(p => p.Key, p => p.Value);
            get += Calls(info, "cmdstat_get");
            getRange += Calls(info, "cmdstat_getrange");
        }

        return (get, getRange);

        static long Calls(Dictionary<string, string> info, string command)
            => info.TryGetValue(command, out var line) ? long.Parse(line["calls=".Length..line.IndexOf(',')], CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Kills every connection named <paramref name="name"/> on every node.</summary>
    private static async Task KillClientsAsync(ConnectionMultiplexer admin, string name)
    {
        var killed = 0;
        foreach (var server in admin.GetServers().Where(s => s.IsConnected))
        {
            foreach (var client in await server.ClientListAsync())
            {
                if (client.Name == name)
                {
                    killed += (int)await server.ClientKillAsync(client.Id, skipMe: true);
                }
            }
        }

        Assert.True(killed > 0, $"no connection named {name}");
    }

    private static async Task<int> CountClientsAsync(ConnectionMultiplexer admin, string namePrefix)
    {
        var count = 0;
        foreach (var server in admin.GetServers().Where(s => s.IsConnected))
        {
            count += (await server.ClientListAsync()).Count(c => c.Name?.StartsWith(namePrefix, StringComparison.Ordinal) == true);
        }

        return count;
    }

    /// <summary>Reads until the value matches (at most 500 reads, 10 ms apart): how many reads it took.</summary>
    internal static async Task<int> ReadUntilAsync(NearCaching.NearCache near, string key, Func<RedisValue, bool> done)
    {
        for (var reads = 1; reads <= 500; reads++)
        {
            if (done(await near.StringGetAsync(key)))
            {
                return reads;
            }

            await Task.Delay(10);
        }

        throw new Xunit.Sdk.XunitException($"{key} still had its old value after 500 reads.");
    }

    /// <summary>
    /// Reads until the local copy is served (bounded), checking the value when one is expected. Not always the next
    /// read: the invalidation of a write made before this client read the key may still be on its way, and it
    /// drops the (fresh) copy once more; and tracking may be re-arming.
    /// </summary>
    internal static async Task ReadUntilLocalAsync(NearCaching.NearCache near, string key, string? expected)
    {
        for (var reads = 1; reads <= 300; reads++)
        {
            var read = await near.StringGetWithSourceAsync(key);
            if (expected is not null)
            {
                Assert.Equal(expected, (string?)read.Value);
            }

            if (read.ServedLocally)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new Xunit.Sdk.XunitException($"{key} was never served locally in 300 reads.");
    }

    internal static async Task PollAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1500 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), $"Timed out waiting for {what}.");
    }
}
