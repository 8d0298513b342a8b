using System.Diagnostics;
using Xunit.Abstractions;

namespace RedisClient.FunctionalTests;

public sealed class ServerRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AServerKilledMidLoadFailsInFlightCallsFastAndLaterCallsSucceedAfterRestart()
    {
        await using var servers = new RedisServers();
        var node = await servers.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(servers.ConnectionString(node) + ",syncTimeout=60000");
        var db = redis.GetDatabase();

        // Load: 50 callers writing and reading their own keys until told to stop.
        using var stop = new CancellationTokenSource();
        var failures = new List<Exception>();
        var wrongValues = 0;
        var succeeded = 0L;
        var callers = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var value = $"{i}:{n++}";
                try
                {
                    await db.StringSetAsync($"load:{i}", value);
                    var read = (string?)await db.StringGetAsync($"load:{i}");
                    if (read is not null && read != value)
                    {
                        Interlocked.Increment(ref wrongValues);
                    }

                    Interlocked.Increment(ref succeeded);
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add(e);
                    }

                    await Task.Delay(10);
                }
            }
        })).ToArray();

        while (Interlocked.Read(ref succeeded) < 2000)
        {
            await Task.Delay(10);
        }

        // In flight when the server dies: DEBUG SLEEP holds the server, so the 200 GETs behind it are surely waiting.
        // With a 60 s syncTimeout only failing on the drop itself ends them, with a connection error.
        var inFlight = new List<Task>([db.ExecuteAsync("DEBUG", "SLEEP", "5")]);
        inFlight.AddRange(Enumerable.Range(0, 200).Select(i => db.StringGetAsync($"load:{i % 50}")));
        await Task.Delay(200);
        var killedAt = Stopwatch.StartNew();
        node.Kill();
        var lost = 0;
        foreach (var call in inFlight)
        {
            try
            {
                await call;
            }
            catch (RedisConnectionException)
            {
                lost++;
            }
        }

        output.WriteLine($"{lost} of {inFlight.Count} in-flight calls failed with RedisConnectionException, all done {killedAt.Elapsed.TotalMilliseconds:0} ms after the kill (syncTimeout 60000 ms)");
        Assert.Equal(inFlight.Count, lost);
        Assert.False(redis.IsConnected);

        await node.StartAsync();
        var restartedAt = Stopwatch.StartNew();
        var before = Interlocked.Read(ref succeeded);
        while (Interlocked.Read(ref succeeded) < before + 1000 && restartedAt.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(20);
        }

        output.WriteLine($"1000 calls succeeded {restartedAt.Elapsed.TotalMilliseconds:0} ms after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        Assert.True(Interlocked.Read(ref succeeded) >= before + 1000, "calls did not succeed again after the restart");
        Assert.Equal(0, wrongValues);
        Assert.All(failures, e => Assert.IsType<RedisConnectionException>(e));
        Assert.True(redis.IsConnected);
        Assert.Equal("PONG", (await db.ExecuteAsync("PING")).ToString());
    }

    [Fact]
    public async Task WithAbortConnectFalseTheClientConnectsOnceTheServerStarts()
    {
        await using var servers = new RedisServers();
        var port = RedisServers.FreePort();
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},password={servers.Password},abortConnect=false,connectTimeout=500");
        Assert.False(redis.IsConnected);
        var early = await Assert.ThrowsAsync<RedisConnectionException>(() => redis.GetDatabase().StringGetAsync("k"));
        Assert.Contains("was not sent", early.Message);

        await servers.StartAsync(port: port);
        var db = redis.GetDatabase();
        for (var attempt = 0; attempt < 200 && !redis.IsConnected; attempt++)
        {
            await Task.Delay(25);
        }

        Assert.True(await db.StringSetAsync("k", "late"));
        Assert.Equal("late", (string?)await db.StringGetAsync("k"));
    }

    [Fact]
    public async Task WithAbortConnectTrueAnUnreachableServerIsAClearError()
    {
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() =>
            ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{RedisServers.FreePort()},connectTimeout=1000"));
        Assert.Contains("Could not connect", error.Message);
        Assert.Contains("abortConnect=false", error.Message);
    }
}
