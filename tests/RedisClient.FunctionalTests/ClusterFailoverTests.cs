using System.Diagnostics;
using Xunit.Abstractions;

namespace RedisClient.FunctionalTests;

/// <summary>Its own cluster: killing a master changes the topology for good.</summary>
public sealed class ClusterFailoverTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task AMasterKilledUnderLoadFailsOverAndWritesResumeWithNoWrongValueRead()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        var keys = Enumerable.Range(0, 60).Select(i => $"failover:{i}").ToArray();

        // The victim is the master the subscriber listens on, so the subscriptions must move too.
        var messages = new List<string>();
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync("events", (_, message) =>
        {
            lock (messages)
            {
                messages.Add(message.ToString());
            }
        });
        var victimPort = ((RedisClient.Internal.RedisSubscriber)subscriber).EndPoint!.Port;
        Assert.Contains(keys, k => redis.GetMasterFor(k)!.Port == victimPort);
        var victimKeys = keys.Where(k => redis.GetMasterFor(k)!.Port == victimPort).ToArray();
        var lastWritten = new long[keys.Length];

        using var stop = new CancellationTokenSource();
        var killedAt = 0L;
        var firstVictimWriteAfterKill = 0L;
        var failedWrites = 0;
        var wrongReads = 0;
        var olderReads = 0;
        var succeeded = 0L;
        var workers = Enumerable.Range(0, keys.Length).Select(i => Task.Run(async () =>
        {
            var onVictim = victimKeys.Contains(keys[i]);
            for (long version = 1; !stop.IsCancellationRequested; version++)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await db.StringSetAsync(keys[i], $"{keys[i]}@{version}");
                    Volatile.Write(ref lastWritten[i], version);
                    Interlocked.Increment(ref succeeded);
                    var killed = Volatile.Read(ref killedAt);
                    if (onVictim && killed != 0 && started > killed)
                    {
                        Interlocked.CompareExchange(ref firstVictimWriteAfterKill, Stopwatch.GetTimestamp(), 0);
                    }

                    var read = (string?)await db.StringGetAsync(keys[i]);
                    var at = read?.LastIndexOf('@') ?? -1;
                    if (read is null || at < 0 || read[..at] != keys[i] || long.Parse(read[(at + 1)..]) > version)
                    {
                        // Another key's value, or a version never written: the client mixed replies up.
                        Interlocked.Increment(ref wrongReads);
                    }
                    else if (long.Parse(read[(at + 1)..]) < version)
                    {
                        // Allowed by Redis (asynchronous replication loses the last writes on failover), counted.
                        Interlocked.Increment(ref olderReads);
                    }
                }
                catch (Exception e) when (e is RedisConnectionException or RedisServerException or RedisTimeoutException)
                {
                    Interlocked.Increment(ref failedWrites);
                    await Task.Delay(20);
                }
            }
        })).ToArray();

        while (Interlocked.Read(ref succeeded) < 3000)
        {
            await Task.Delay(10);
        }

        // Only writes started after the process is gone count as resumed.
        fixture.NodeAt(victimPort).Kill();
        Volatile.Write(ref killedAt, Stopwatch.GetTimestamp());

        var wait = Stopwatch.StartNew();
        while (Interlocked.Read(ref firstVictimWriteAfterKill) == 0 && wait.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(20);
        }

        // Keep the load on a little after recovery, then stop.
        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var resumed = Interlocked.Read(ref firstVictimWriteAfterKill);
        Assert.True(resumed != 0, "writes to the killed master's slots never resumed");
        var recovery = Stopwatch.GetElapsedTime(killedAt, resumed);
        output.WriteLine($"master {victimPort} SIGKILLed: writes to its slots resumed after {recovery.TotalMilliseconds:0} ms " +
                         $"(cluster-node-timeout 1000 ms); {failedWrites} failed calls meanwhile, {olderReads} reads older than the last " +
                         $"acknowledged write, {wrongReads} wrong values; new master {redis.GetMasterFor(victimKeys[0])!.Port}");

        Assert.Equal(0, wrongReads);

        // Pub/sub works again: the subscriber moved to a live master and subscribed there.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await subscriber.PublishAsync("events", $"after-failover-{attempt}");
            await Task.Delay(100);
            lock (messages)
            {
                if (messages.Count > 0)
                {
                    break;
                }
            }
        }

        lock (messages)
        {
            Assert.NotEmpty(messages);
            output.WriteLine($"pub/sub after failover: first message '{messages[0]}' on {((RedisClient.Internal.RedisSubscriber)subscriber).EndPoint}");
        }

        Assert.NotEqual(victimPort, redis.GetMasterFor(victimKeys[0])!.Port);
        Assert.Equal("PONG", (await db.ExecuteAsync("PING")).ToString());
    }
}
