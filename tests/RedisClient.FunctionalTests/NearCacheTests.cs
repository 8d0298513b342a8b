using System.Diagnostics.Metrics;
using RedisClient.Internal;
using Xunit.Abstractions;

namespace RedisClient.FunctionalTests;

/// <summary>
/// The near cache against a real server: one multiplexer reads through the near cache, another one (a different
/// process, as far as the server knows) writes and deletes behind its back. Runs on a standalone server and on a
/// 3+3 cluster (the two subclasses).
/// </summary>
public abstract class NearCacheTests(ITestOutputHelper output)
{
    protected abstract string ConnectionString { get; }

    [Fact]
    public async Task CoherentModeNeverServesAStaleValueOverAThousandWritesByAnotherClient()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var near = reader.GetDatabase().WithNearCache(new NearCacheOptions { Mode = NearCacheMode.Coherent });
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
            foreach (var _ in new[] { 1, 2 })
            {
                var read = await near.StringGetWithSourceAsync(key);
                if ((string?)read.Value != expected)
                {
                    stale++;
                }

                local += read.ServedLocally ? 1 : 0;
            }
        }

        output.WriteLine($"2,000 reads after 1,000 writes/deletes by another client: {stale} stale, {local} served locally, {deletes} deletes");
        Assert.Equal(0, stale);
        Assert.True(local >= 900, $"only {local} reads served locally");
    }

    [Fact]
    public async Task CoherentModeServesTheLocalCopyAfterAReadAndCountsIt()
    {
        var hits = 0L;
        using var listener = ListenTo("redisclient.near_cache.hits", value => Interlocked.Add(ref hits, value));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var near = redis.GetNearCacheDatabase();
        var key = "hit:" + Guid.NewGuid();
        var payload = new byte[20_000];
        Random.Shared.NextBytes(payload);
        await redis.GetDatabase().StringSetAsync(key, payload);

        var first = await near.StringGetWithSourceAsync(key);
        var second = await near.StringGetWithSourceAsync(key);

        Assert.False(first.ServedLocally);
        Assert.True(second.ServedLocally);
        Assert.Equal(payload, (byte[]?)second.Value);
        Assert.Equal(1, near.Count);
        Assert.True(Interlocked.Read(ref hits) >= 1);

        // The caller's copy is its own: changing it does not change what the next read serves.
        ((byte[])second.Value!)[0] ^= 0xff;
        Assert.Equal(payload, (byte[]?)await near.StringGetAsync(key));
    }

    [Fact]
    public async Task StampModeNeverServesAStaleValueOverAThousandStampedWritesByAnotherClient()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var near = reader.GetNearCacheDatabase(Stamped);
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

            // Once right after the write (the copy is out of date: refreshed) and once more (now current: local).
            foreach (var _ in new[] { 1, 2 })
            {
                var read = await near.StringGetWithSourceAsync(key);
                if ((string?)read.Value != expected)
                {
                    stale++;
                }

                local += read.ServedLocally ? 1 : 0;
            }
        }

        output.WriteLine($"2,000 stamp-checked reads after 1,000 writes/deletes by another client: {stale} stale, {local} served locally, " +
                         $"{deletes} deletes, {tombstones} unstamped tombstones");
        Assert.Equal(0, stale);
        Assert.True(local >= 900, $"only {local} reads served locally");
    }

    [Fact]
    public async Task StampModeServesTheLocalCopyWhileTheStampIsUnchanged()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var near = reader.GetNearCacheDatabase(Stamped);
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
        Assert.Equal(1, near.Count);

        // A value written through the near cache is kept with its stamp and served from the next read on.
        await near.StringSetAsync(key, "v3|{}");
        var own = await near.StringGetWithSourceAsync(key);
        Assert.True(own.ServedLocally);
        Assert.Equal("v3|{}", (string?)own.Value);
    }

    [Fact]
    public async Task StampModeReadsAKeyDeletedByAnotherClientAsNull()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var near = reader.GetNearCacheDatabase(Stamped);
        var key = "stamp-deleted:" + Guid.NewGuid();
        await writer.GetDatabase().StringSetAsync(key, "v1|{}");
        await near.StringGetAsync(key);
        Assert.True((await near.StringGetWithSourceAsync(key)).ServedLocally);

        await writer.GetDatabase().KeyDeleteAsync(key);

        var read = await near.StringGetWithSourceAsync(key);
        Assert.True(read.Value.IsNull);
        Assert.False(read.ServedLocally);
        Assert.Equal(0, near.Count);

        // Set again with the very same stamp: there is no copy left to mistake for it.
        await writer.GetDatabase().StringSetAsync(key, "v1|{}");
        Assert.Equal("v1|{}", (string?)await near.StringGetAsync(key));
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
        var near = reader.GetNearCacheDatabase(Stamped);
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
        var near = reader.GetNearCacheDatabase(Stamped);
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
        await using var observer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var stamped = reader.GetNearCacheDatabase(Stamped);
        var hashed = reader.GetNearCacheDatabase(new NearCacheOptions { Mode = NearCacheMode.Coherent });
        var key = "stamp-cost:" + Guid.NewGuid();
        await observer.GetDatabase().StringSetAsync(key, Stamp("v1|", 20_000));
        await stamped.StringGetAsync(key);
        await hashed.StringGetAsync(key);

        // Commands a script runs are counted in INFO commandstats like any other: GET reads the value, GETRANGE
        // only the stamp. This class's tests run one at a time, so no other client touches the counters meanwhile.
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
        var hashed = reader.GetNearCacheDatabase(new NearCacheOptions { Mode = NearCacheMode.Coherent });
        var stamped = reader.GetNearCacheDatabase(Stamped);
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
        var near = reader.GetNearCacheDatabase(new NearCacheOptions { Mode = mode });
        await WaitUntilReadyAsync(near);
        var key = "deleted:" + Guid.NewGuid();
        await writer.GetDatabase().StringSetAsync(key, "here");
        Assert.Equal("here", (string?)await near.StringGetAsync(key));
        Assert.True((await near.StringGetWithSourceAsync(key)).ServedLocally);

        await writer.GetDatabase().KeyDeleteAsync(key);

        // Coherent: the very next read. Tracking: once the server's invalidation has arrived (polled, bounded).
        var reads = await ReadUntilAsync(near, key, value => value.IsNull);
        output.WriteLine($"{mode}: null after {reads} read(s)");
        if (mode == NearCacheMode.Coherent)
        {
            Assert.Equal(1, reads);
        }
    }

    [Fact]
    public async Task WritesAndDeletesThroughTheNearCacheAreSeenByItsOwnNextRead()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        foreach (var mode in new[] { NearCacheMode.Coherent, NearCacheMode.Tracking })
        {
            await using var other = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
            var near = other.GetNearCacheDatabase(new NearCacheOptions { Mode = mode });
            await WaitUntilReadyAsync(near);
            var key = $"own:{mode}:{Guid.NewGuid()}";
            await near.StringSetAsync(key, "one");
            Assert.Equal("one", (string?)await near.StringGetAsync(key));
            await near.StringSetAsync(key, "two");
            Assert.Equal("two", (string?)await near.StringGetAsync(key));
            Assert.Equal("two", (string?)await redis.GetDatabase().StringGetAsync(key));
            await near.KeyDeleteAsync(key);
            Assert.True((await near.StringGetAsync(key)).IsNull);
            Assert.False(await near.StringSetAsync(key, "three", when: When.Exists));
            Assert.True((await near.StringGetAsync(key)).IsNull);
        }
    }

    [Fact]
    public async Task TrackingModeReceivesInvalidationsForWritesByAnotherClient()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var near = reader.GetNearCacheDatabase(new NearCacheOptions { Mode = NearCacheMode.Tracking });
        await WaitUntilReadyAsync(near);
        var keys = Enumerable.Range(0, 20).Select(i => $"tracked:{Guid.NewGuid()}:{i}").ToArray();
        int staleReads = 0, staleAfterWrite = 0, local = 0, maxReadsToFresh = 0;

        for (var i = 0; i < 500; i++)
        {
            var key = keys[i % keys.Length];
            var expected = $"value {i} of {key}";
            await writer.GetDatabase().StringSetAsync(key, expected);

            var reads = await ReadUntilAsync(near, key, value => (string?)value == expected);
            staleReads += reads - 1;
            staleAfterWrite += reads > 1 ? 1 : 0;
            maxReadsToFresh = Math.Max(maxReadsToFresh, reads);
            local += (await near.StringGetWithSourceAsync(key)).ServedLocally ? 1 : 0;
        }

        var messages = ((NearCacheDatabase)near).Tracking!.InvalidationMessages;
        output.WriteLine($"500 writes by another client: {staleAfterWrite} first reads stale ({staleReads} stale reads in all, " +
                         $"at most {maxReadsToFresh} reads to see the write), {local} re-reads served locally, {messages} invalidation messages");
        Assert.True(messages >= 400, $"only {messages} invalidation messages for 500 writes of keys read before");
        Assert.True(local >= 400, $"only {local} re-reads served locally");
    }

    [Fact]
    public async Task TrackingModeFlushesWhenItsInvalidationConnectionIsLostAndTracksAgainAfter()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",name=near-reader");
        var near = reader.GetNearCacheDatabase(new NearCacheOptions { Mode = NearCacheMode.Tracking });
        await WaitUntilReadyAsync(near);
        var key = "flushed:" + Guid.NewGuid();
        await writer.GetDatabase().StringSetAsync(key, "before");
        await near.StringGetAsync(key);
        Assert.True((await near.StringGetWithSourceAsync(key)).ServedLocally);

        // Kill the invalidation subscribers on every master: invalidations sent meanwhile would be lost.
        foreach (var connection in writer.Connections.Where(c => c.IsConnected))
        {
            await connection.SendAsync(new PendingCommand(RedisClient.Protocol.CommandName.Client, ["KILL", "TYPE", "pubsub"]));
        }

        await Poll(() => near.Count == 0, "the local copies to be flushed");
        await WaitUntilReadyAsync(near);

        await writer.GetDatabase().StringSetAsync(key, "after");
        Assert.Equal("after", (string?)await near.StringGetAsync(key));
        await ReadUntilLocalAsync(near, key, "after");
        await writer.GetDatabase().StringSetAsync(key, "again");
        var reads = await ReadUntilAsync(near, key, value => (string?)value == "again");
        output.WriteLine($"after the subscriber came back, a write was seen after {reads} read(s)");
    }

    [Fact]
    public async Task TrackingModeFlushesWhenItsCommandConnectionIsLostAndTracksTheNewOne()
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var near = reader.GetNearCacheDatabase(new NearCacheOptions { Mode = NearCacheMode.Tracking });
        await WaitUntilReadyAsync(near);
        var key = "reconnected:" + Guid.NewGuid();
        await writer.GetDatabase().StringSetAsync(key, "before");
        await near.StringGetAsync(key);
        Assert.True((await near.StringGetWithSourceAsync(key)).ServedLocally);

        // Drop every normal connection but the killer's: the server forgets what the reader's connections tracked.
        foreach (var connection in writer.Connections.Where(c => c.IsConnected))
        {
            await connection.SendAsync(new PendingCommand(RedisClient.Protocol.CommandName.Client, ["KILL", "TYPE", "normal", "SKIPME", "yes"]));
        }

        await Poll(() => near.Count == 0, "the local copies to be flushed");
        await WaitUntilReadyAsync(near);
        await Poll(() => reader.Connections.All(c => c.IsConnected) && writer.Connections.All(c => c.IsConnected), "reconnects");

        Assert.Equal("before", (string?)await near.StringGetAsync(key));
        await ReadUntilLocalAsync(near, key, "before");
        await writer.GetDatabase().StringSetAsync(key, "after");
        var reads = await ReadUntilAsync(near, key, value => (string?)value == "after");
        output.WriteLine($"after the reconnect, a write by another client was seen after {reads} read(s)");
    }

    [Theory]
    [InlineData(NearCacheMode.Coherent)]
    [InlineData(NearCacheMode.Tracking)]
    public async Task MemoryBoundsHoldWhenReadingMoreThanFits(NearCacheMode mode)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var maxBytes = 30 * NearCacheStore.SizeOf("bounds:00000000-0000-0000-0000-000000000000:000", new byte[1000]);
        var near = redis.GetNearCacheDatabase(new NearCacheOptions { Mode = mode, MaxEntries = 50, MaxBytes = maxBytes });
        await WaitUntilReadyAsync(near);
        var prefix = $"bounds:{Guid.NewGuid()}:";
        var evictions = 0L;
        using var listener = ListenTo("redisclient.near_cache.evictions", value => Interlocked.Add(ref evictions, value));

        // 100 small values (entries bound), then 100 of 1,000 bytes (bytes bound).
        for (var i = 0; i < 100; i++)
        {
            await redis.GetDatabase().StringSetAsync($"{prefix}{i:000}", "small");
            await near.StringGetAsync($"{prefix}{i:000}");
            Assert.True(near.Count <= 50);
        }

        Assert.Equal(50, near.Count);
        for (var i = 0; i < 100; i++)
        {
            await redis.GetDatabase().StringSetAsync($"{prefix}{i:000}", new byte[1000]);
            await near.StringGetAsync($"{prefix}{i:000}");
            Assert.True(near.Bytes <= maxBytes, $"{near.Bytes} bytes > {maxBytes}");
        }

        Assert.True(near.Count <= 30);
        Assert.True((await near.StringGetWithSourceAsync($"{prefix}099")).ServedLocally);
        Assert.False((await near.StringGetWithSourceAsync($"{prefix}000")).ServedLocally);
        Assert.True(Interlocked.Read(ref evictions) >= 100);
    }

    [Fact]
    public async Task OnlyOneTrackingNearCachePerMultiplexer()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var first = redis.GetNearCacheDatabase(new NearCacheOptions { Mode = NearCacheMode.Tracking });
        var error = Assert.Throws<InvalidOperationException>(() => redis.GetNearCacheDatabase(new NearCacheOptions { Mode = NearCacheMode.Tracking }));
        Assert.Contains("one tracking near cache per multiplexer", error.Message);
        Assert.NotNull(redis.GetNearCacheDatabase(new NearCacheOptions { Mode = NearCacheMode.Coherent }));
        Assert.Throws<ArgumentException>(() => first.WithNearCache());

        await first.DisposeAsync();
        await using var second = redis.GetNearCacheDatabase(new NearCacheOptions { Mode = NearCacheMode.Tracking });
        Assert.Equal(NearCacheMode.Tracking, second.Options.Mode);
    }

    private static NearCacheOptions Stamped => new() { Mode = NearCacheMode.Coherent, VersionStamp = NearCacheVersionStamp.Prefix };

    /// <summary>A stamp followed by random bytes (which may hold '|': only the first one counts).</summary>
    private static byte[] Stamp(string stamp, int bodyLength)
    {
        var body = new byte[bodyLength];
        Random.Shared.NextBytes(body);
        return [.. System.Text.Encoding.UTF8.GetBytes(stamp), .. body];
    }

    /// <summary>GET and GETRANGE calls so far, summed over every node this multiplexer is connected to.</summary>
    private static async Task<(long Get, long GetRange)> CommandCallsAsync(ConnectionMultiplexer redis)
    {
        long get = 0, getRange = 0;
        foreach (var connection in redis.Connections.Where(c => c.IsConnected))
        {
            var info = (string?)(await connection.SendAsync(
                new PendingCommand(RedisClient.Protocol.CommandName.For("INFO"), ["commandstats"]))).Value ?? "";
            get += Calls(info, "cmdstat_get:");
            getRange += Calls(info, "cmdstat_getrange:");
        }

        return (get, getRange);

        static long Calls(string info, string command)
        {
            var line = info.Split("\r\n").FirstOrDefault(l => l.StartsWith(command, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[(command.Length + "calls=".Length)..line.IndexOf(',')], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static async Task WaitUntilReadyAsync(INearCacheDatabase near)
    {
        if (((NearCacheDatabase)near).Tracking is { } tracking)
        {
            await tracking.WaitUntilTrackedAsync(TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>Reads until the value matches (at most 500 reads, 10 ms apart): how many reads it took.</summary>
    private static async Task<int> ReadUntilAsync(INearCacheDatabase near, string key, Func<RedisValue, bool> done)
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
    /// Reads until the local copy is served (bounded). Not always the next read: the invalidation of a write made
    /// before this client read the key may still be on its way, and it drops the (fresh) copy once more.
    /// </summary>
    private static async Task ReadUntilLocalAsync(INearCacheDatabase near, string key, string expected)
    {
        for (var reads = 1; reads <= 100; reads++)
        {
            var read = await near.StringGetWithSourceAsync(key);
            Assert.Equal(expected, (string?)read.Value);
            if (read.ServedLocally)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new Xunit.Sdk.XunitException($"{key} was never served locally in 100 reads.");
    }

    private static async Task Poll(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), $"Timed out waiting for {what}.");
    }

    private static MeterListener ListenTo(string instrument, Action<long> onValue)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == RedisClientDiagnostics.MeterName && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => onValue(value));
        listener.Start();
        return listener;
    }
}
