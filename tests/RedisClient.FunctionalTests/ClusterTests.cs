using Xunit.Abstractions;

namespace RedisClient.FunctionalTests;

public sealed class ClusterTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task KeysLandOnAllThreeMastersAndReadBackTheSame()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        Assert.True(redis.IsCluster);
        Assert.Equal(3, redis.Masters.Count);

        var keys = Enumerable.Range(0, 300).Select(i => $"spread:{i}").ToArray();
        await Task.WhenAll(keys.Select(k => db.StringSetAsync(k, "value-of-" + k)));

        foreach (var master in await fixture.MastersAsync())
        {
            var count = long.Parse((await master.CliAsync("EVAL", "return #redis.call('KEYS','spread:*')", "0")).Trim());
            output.WriteLine($"master {master.Port}: {count} keys");
            Assert.True(count > 0, $"master {master.Port} got no keys");
        }

        var values = await db.StringGetAsync(keys.Select(k => (RedisKey)k).ToArray());
        Assert.Equal(keys.Select(k => "value-of-" + k), values.Select(v => (string?)v));
    }

    [Fact]
    public async Task MultiKeyCommandsAcrossSlotsGiveAClearErrorAndHashTagsWork()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => db.KeyDeleteAsync(["a", "b", "c"]));
        Assert.Contains("hash tag", error.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => db.ExecuteAsync("MSET", "a", "1", "b", "2"));

        await db.ExecuteAsync("MSET", "{user:1}:name", "ada", "{user:1}:mail", "ada@example.com");
        Assert.Equal("ada", (string?)await db.ExecuteAsync("EVAL", "return redis.call('GET', KEYS[1])", 1, "{user:1}:name"));
        await Assert.ThrowsAsync<ArgumentException>(() => db.ExecuteAsync("EVAL", "return 1", 2, "a", "b"));
        Assert.Equal(2, await db.KeyDeleteAsync(["{user:1}:name", "{user:1}:mail"]));
    }

    [Fact]
    public async Task AStaleSlotMapFollowsMovedReplies()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        var key = "moved-key";
        var slot = HashSlot.Get(key);
        var owner = redis.GetMasterFor(key)!;

        // Point the slot at a wrong master on purpose: the server answers MOVED and the client follows it.
        var wrong = redis.Masters.First(m => m.Port != owner.Port);
        var map = typeof(ConnectionMultiplexer).GetField("_slots", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(redis)!;
        map.GetType().GetMethod("SetMaster")!.Invoke(map, [slot, wrong]);
        Assert.Equal(wrong.Port, redis.GetMasterFor(key)!.Port);

        Assert.True(await db.StringSetAsync(key, "followed"));
        Assert.Equal("followed", (string?)await db.StringGetAsync(key));
        Assert.Equal(owner.Port, redis.GetMasterFor(key)!.Port);
    }

    [Fact]
    public async Task WaitCountsTheReplicasThatAcknowledged()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        await db.StringSetAsync("replicated", "yes");
        Assert.Equal(1, await db.WaitAsync("replicated", 1, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task ASlotMigratedDuringTenThousandOperationsLosesNoOperationAndNoValue()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        const string Tag = "{migrating}";
        var slot = HashSlot.Get(Tag);
        var source = fixture.NodeAt(redis.GetMasterFor(Tag)!.Port);
        var target = (await fixture.MastersAsync()).First(m => m.Port != source.Port);

        // Some keys exist before the migration starts, so MIGRATE has something to move.
        for (var i = 0; i < 200; i++)
        {
            await db.StringSetAsync($"{Tag}:{i % 20}:seed{i}", "seed");
        }

        var operations = 0;
        var failures = new List<Exception>();
        var wrong = 0;
        var migrated = new TaskCompletionSource();
        var workers = Enumerable.Range(0, 20).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; Volatile.Read(ref operations) < 10_000 || !migrated.Task.IsCompleted; n++)
            {
                var key = $"{Tag}:{worker}:{n % 50}";
                var value = $"{worker}:{n}";
                try
                {
                    await db.StringSetAsync(key, value);
                    if ((string?)await db.StringGetAsync(key) != value)
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add(e);
                    }
                }

                Interlocked.Add(ref operations, 2);
            }
        })).ToArray();

        while (Volatile.Read(ref operations) < 1000)
        {
            await Task.Delay(5);
        }

        var sourceId = await fixture.IdOfAsync(source);
        var targetId = await fixture.IdOfAsync(target);
        Assert.Equal("OK", (await target.CliAsync("CLUSTER", "SETSLOT", slot.ToString(), "IMPORTING", sourceId)).Trim());
        Assert.Equal("OK", (await source.CliAsync("CLUSTER", "SETSLOT", slot.ToString(), "MIGRATING", targetId)).Trim());
        var moved = 0;
        while (true)
        {
            var keys = (await source.CliAsync("CLUSTER", "GETKEYSINSLOT", slot.ToString(), "100"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys.Length == 0)
            {
                break;
            }

            var result = await source.CliAsync(["MIGRATE", "127.0.0.1", target.Port.ToString(), "", "0", "5000",
                "AUTH", fixture.Servers.Password, "KEYS", .. keys]);
            Assert.Contains("OK", result);
            moved += keys.Length;
        }

        foreach (var node in new[] { target, source }.Concat((await fixture.MastersAsync()).Where(m => m != source && m != target)))
        {
            await node.CliAsync("CLUSTER", "SETSLOT", slot.ToString(), "NODE", targetId);
        }

        migrated.SetResult();
        await Task.WhenAll(workers);
        output.WriteLine($"slot {slot} moved from {source.Port} to {target.Port} ({moved} keys) during {operations} operations; {failures.Count} failed, {wrong} wrong values; redirects followed (MOVED, ASK): {redis.Redirects}");

        Assert.Empty(failures);
        Assert.Equal(0, wrong);
        Assert.True(operations >= 10_000);
        for (var worker = 0; worker < 20; worker++)
        {
            Assert.False((await db.StringGetAsync($"{Tag}:{worker}:0")).IsNull);
        }

        // The client has learned the new owner from MOVED replies.
        Assert.Equal(target.Port, redis.GetMasterFor(Tag)!.Port);
    }
}
