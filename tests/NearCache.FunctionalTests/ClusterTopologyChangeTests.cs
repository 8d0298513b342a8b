using System.Diagnostics;
using Xunit.Abstractions;

namespace NearCache.FunctionalTests;

/// <summary>
/// A master killed (failover) and a slot migrated under a near cache holding copies of the keys concerned: once the
/// event has finished (every write made during it acknowledged), no read returns a value older than those writes.
/// Each test starts its own 3+3 cluster, since it changes it.
/// </summary>
public sealed class ClusterTopologyChangeTests(ITestOutputHelper output)
{
    private const int Keys = 60;

    [Fact]
    public async Task AfterAMasterIsKilledNoReadReturnsAValueOlderThanOneWrittenBeforeTheFailoverFinished()
    {
        await using var servers = new RedisServers();
        var nodes = await servers.StartClusterAsync();
        var connectionString = servers.ConnectionString(nodes[0]);
        await using var writer = await ConnectionMultiplexer.ConnectAsync(connectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(connectionString);
        await using var coherent = await NearCaching.NearCache.CreateAsync(reader);
        await using var tracking = await NearCaching.NearCache.CreateAsync(reader, new NearCacheOptions { Mode = NearCacheMode.Tracking });
        var keys = Enumerable.Range(0, Keys).Select(i => $"failover:{Guid.NewGuid()}:{i}").ToArray();
        await WriteAllAsync(writer, keys, "v1");
        await ReplicateAsync(writer);
        await CacheAllAsync(coherent, tracking, keys, "v1");
        var victimEndPoint = writer.GetServer((RedisKey)keys[0]).EndPoint;
        var victim = nodes.Single(n => victimEndPoint.ToString()!.EndsWith(":" + n.Port, StringComparison.Ordinal));
        var onVictim = keys.Count(k => writer.GetServer((RedisKey)k).EndPoint.Equals(victimEndPoint));

        victim.Kill();
        var started = Stopwatch.GetTimestamp();

        // The event is over when every write made after the kill has been acknowledged (the victim's slots answer
        // again once its replica has taken over).
        await WriteAllAsync(writer, keys, "v2");
        var failover = Stopwatch.GetElapsedTime(started);

        await AssertEveryReadIsAtLeastAsync(coherent, tracking, writer, keys, "v2", $"failover of {victimEndPoint} ({onVictim} of {Keys} keys on it, writes resumed after {failover.TotalSeconds:0.0} s)");
    }

    [Fact]
    public async Task AfterASlotMigratesNoReadReturnsAValueOlderThanOneWrittenBeforeTheMigrationFinished()
    {
        await using var servers = new RedisServers();
        var nodes = await servers.StartClusterAsync();
        var connectionString = servers.ConnectionString(nodes[0]);
        await using var writer = await ConnectionMultiplexer.ConnectAsync(connectionString);
        await using var reader = await ConnectionMultiplexer.ConnectAsync(connectionString);
        await using var coherent = await NearCaching.NearCache.CreateAsync(reader);
        await using var tracking = await NearCaching.NearCache.CreateAsync(reader, new NearCacheOptions { Mode = NearCacheMode.Tracking });

        // All keys in one slot (one hash tag), so one migration moves every copy's key.
        var tag = Guid.NewGuid().ToString("N");
        var keys = Enumerable.Range(0, Keys).Select(i => $"{{{tag}}}:{i}").ToArray();
        await WriteAllAsync(writer, keys, "v1");
        await CacheAllAsync(coherent, tracking, keys, "v1");

        var slot = writer.HashSlot(keys[0]);
        var sourceEndPoint = writer.GetServer((RedisKey)keys[0]).EndPoint.ToString()!;
        var masters = writer.GetServers().Where(s => s.IsConnected && !s.IsReplica).Select(s => s.EndPoint.ToString()!).ToList();
        var source = nodes.Single(n => sourceEndPoint.EndsWith(":" + n.Port, StringComparison.Ordinal));
        var target = nodes.First(n => n != source && masters.Any(m => m.EndsWith(":" + n.Port, StringComparison.Ordinal)));
        var sourceId = (await source.CliAsync("CLUSTER", "MYID")).Trim();
        var targetId = (await target.CliAsync("CLUSTER", "MYID")).Trim();
        var slotText = slot.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // The steps redis-cli --cluster reshard takes for one slot.
        await ExpectOkAsync(target, "CLUSTER", "SETSLOT", slotText, "IMPORTING", sourceId);
        await ExpectOkAsync(source, "CLUSTER", "SETSLOT", slotText, "MIGRATING", targetId);
        var inSlot = (await source.CliAsync("CLUSTER", "GETKEYSINSLOT", slotText, "1000")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Keys, inSlot.Length);
        await ExpectOkAsync(source, ["MIGRATE", "127.0.0.1", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "", "0", "5000",
            "AUTH", servers.Password, "KEYS", .. inSlot]);
        var otherMasters = nodes.Where(n => n != target && n != source && masters.Any(m => m.EndsWith(":" + n.Port, StringComparison.Ordinal)));
        foreach (var node in new[] { target, source }.Concat(otherMasters))
        {
            await ExpectOkAsync(node, "CLUSTER", "SETSLOT", slotText, "NODE", targetId);
        }

        // The event is over when the writes made after it are acknowledged (by the slot's new owner).
        await WriteAllAsync(writer, keys, "v2");
        Assert.EndsWith(":" + target.Port, writer.GetServer((RedisKey)keys[0]).EndPoint.ToString(), StringComparison.Ordinal);

        await AssertEveryReadIsAtLeastAsync(coherent, tracking, writer, keys, "v2", $"migration of slot {slot} from {source.Port} to {target.Port}");
    }

    private async Task AssertEveryReadIsAtLeastAsync(
        NearCaching.NearCache coherent, NearCaching.NearCache tracking, ConnectionMultiplexer writer, string[] keys, string expected, string what)
    {
        // Coherent: the very next read of every key.
        var staleCoherent = 0;
        foreach (var key in keys)
        {
            staleCoherent += (string?)await coherent.StringGetAsync(key) == expected ? 0 : 1;
        }

        // Tracking, right away (reported: invalidations of the last writes may still be in flight), then once every
        // master's invalidations have been seen to arrive in order (asserted: a copy older than that would be one
        // that tracking lost, not one in flight).
        var staleRightAway = 0;
        foreach (var key in keys)
        {
            staleRightAway += await ReadWithRetriesAsync(tracking, key) == expected ? 0 : 1;
        }

        await SettleWithRetriesAsync(tracking, writer);
        var staleAfterSettling = 0;
        var local = 0;
        foreach (var key in keys)
        {
            var read = await tracking.StringGetWithSourceAsync(key);
            staleAfterSettling += (string?)read.Value == expected ? 0 : 1;
            local += read.ServedLocally ? 1 : 0;
        }

        var statistics = tracking.GetStatistics();
        output.WriteLine($"{what}: Coherent {staleCoherent} stale of {keys.Length}; Tracking {staleRightAway} stale right away, " +
                         $"{staleAfterSettling} once settled ({local} served locally); tracking armed {statistics.Arms} times, {statistics.Flushes} flushes");
        Assert.Equal(0, staleCoherent);
        Assert.Equal(0, staleAfterSettling);
    }

    private static async Task WriteAllAsync(ConnectionMultiplexer writer, string[] keys, string value)
    {
        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        foreach (var key in keys)
        {
            while (true)
            {
                try
                {
                    await writer.GetDatabase().StringSetAsync(key, value);
                    break;
                }
                catch (RedisException) when (Stopwatch.GetTimestamp() < deadline)
                {
                    // The key's master is down and its replica has not taken over yet.
                    await Task.Delay(100);
                }
            }
        }
    }

    /// <summary>Every master has its writes on its replica: a failover then loses none of them.</summary>
    private static async Task ReplicateAsync(ConnectionMultiplexer writer)
    {
        foreach (var master in writer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            Assert.Equal(1, (int)await master.ExecuteAsync("WAIT", 1, 5000));
        }
    }

    private static async Task CacheAllAsync(NearCaching.NearCache coherent, NearCaching.NearCache tracking, string[] keys, string expected)
    {
        foreach (var key in keys)
        {
            Assert.Equal(expected, (string?)await coherent.StringGetAsync(key));
            Assert.True((await coherent.StringGetWithSourceAsync(key)).ServedLocally);
            await NearCacheTests.ReadUntilLocalAsync(tracking, key, expected);
        }
    }

    private static async Task<string?> ReadWithRetriesAsync(NearCaching.NearCache near, string key)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await near.StringGetAsync(key);
            }
            catch (RedisException) when (attempt < 100)
            {
                // The near cache's own connections may still be finding the new master.
                await Task.Delay(100);
            }
        }
    }

    private static async Task SettleWithRetriesAsync(NearCaching.NearCache near, ConnectionMultiplexer writer)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Settle.InvalidationsAsync(near, writer);
                return;
            }
            catch (RedisException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }

    private static Task ExpectOkAsync(RedisServers.RedisNode node, params string[] command) => ExpectOkCoreAsync(node, command);

    private static async Task ExpectOkCoreAsync(RedisServers.RedisNode node, string[] command)
    {
        var reply = await node.CliAsync(command);
        Assert.True(reply.Trim() == "OK", $"{string.Join(' ', command.Take(4))} on {node.Port}: {reply}");
    }
}
