using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RedisClient.FunctionalTests;

public sealed class StandaloneTests(StandaloneServerFixture fixture) : IClassFixture<StandaloneServerFixture>
{
    [Fact]
    public async Task AValueSetIsTheValueRead()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        var payload = new byte[20_000];
        Random.Shared.NextBytes(payload);

        Assert.True(await db.StringSetAsync("text", "hello wörld"));
        Assert.True(await db.StringSetAsync("bytes", payload));
        Assert.True(await db.StringSetAsync("memory", new ReadOnlyMemory<byte>(payload, 10, 100)));

        Assert.Equal("hello wörld", (string?)await db.StringGetAsync("text"));
        Assert.Equal(payload, (byte[]?)await db.StringGetAsync("bytes"));
        Assert.Equal(payload[10..110], (byte[]?)await db.StringGetAsync("memory"));
        Assert.False(redis.IsCluster);
    }

    [Fact]
    public async Task AMissingKeyReadsAsNull()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var value = await redis.GetDatabase().StringGetAsync("missing:" + Guid.NewGuid());
        Assert.True(value.IsNull);
        Assert.Null((string?)value);
    }

    [Fact]
    public async Task DeletedKeysAreGone()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        await db.StringSetAsync("del:1", "a");
        await db.StringSetAsync("del:2", "b");
        await db.StringSetAsync("del:3", "c");

        Assert.True(await db.KeyDeleteAsync("del:1"));
        Assert.False(await db.KeyDeleteAsync("del:1"));
        Assert.Equal(2, await db.KeyDeleteAsync(["del:2", "del:3", "del:4"]));
        Assert.False(await db.KeyExistsAsync("del:2"));
        Assert.Equal([RedisValue.Null, RedisValue.Null], await db.StringGetAsync(["del:2", "del:3"]));
    }

    [Fact]
    public async Task AKeySetWithAnExpiryExpires()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        Assert.True(await db.StringSetAsync("ttl", "soon gone", TimeSpan.FromMilliseconds(1500)));

        var ttl = (long)await db.ExecuteAsync("PTTL", "ttl");
        Assert.InRange(ttl, 1, 1500);
        Assert.True(await db.KeyExistsAsync("ttl"));

        var deadline = Stopwatch.StartNew();
        while (await db.KeyExistsAsync("ttl") && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        Assert.False(await db.KeyExistsAsync("ttl"));
    }

    [Fact]
    public async Task SetWhenNotExistsKeepsTheFirstValue()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        var key = "nx:" + Guid.NewGuid();
        Assert.False(await db.StringSetAsync(key, "x", when: When.Exists));
        Assert.True(await db.StringSetAsync(key, "first", when: When.NotExists));
        Assert.False(await db.StringSetAsync(key, "second", when: When.NotExists));
        Assert.True(await db.StringSetAsync(key, "third", TimeSpan.FromMinutes(1), When.Exists));
        Assert.Equal("third", (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public async Task PublishedMessagesReachTheSubscriber()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var subscriber = redis.GetSubscriber();
        var received = new List<string>();
        var gotAll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync("news", (channel, message) =>
        {
            lock (received)
            {
                received.Add($"{channel}:{message}");
                if (received.Count == 3)
                {
                    gotAll.TrySetResult();
                }
            }
        });

        // The interactive connection keeps working beside the subscribed one.
        Assert.Equal(1, await subscriber.PublishAsync("news", "one"));
        await subscriber.PublishAsync("news", "two");
        await subscriber.PublishAsync("news", "three");
        await gotAll.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["news:one", "news:two", "news:three"], received);

        await subscriber.UnsubscribeAsync("news");
        Assert.Equal(0, await subscriber.PublishAsync("news", "nobody listens"));
    }

    [Fact]
    public async Task AWrongPasswordFailsWithAClearError()
    {
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() =>
            ConnectionMultiplexer.ConnectAsync($"{fixture.Node.EndPoint},password=wrong-password"));
        Assert.Contains("Authentication", error.Message);
        Assert.Contains("Check the password", error.Message);
        Assert.DoesNotContain("wrong-password", error.Message);
    }

    [Fact]
    public async Task AMissingPasswordFailsWithAClearError()
    {
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(fixture.Node.EndPoint));
        Assert.Contains("requires a password", error.Message);
    }

    [Fact]
    public async Task AThousandConcurrentCallersEachGetTheirOwnReply()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        await Parallel.ForAsync(0, 1000, async (i, _) =>
        {
            for (var round = 0; round < 5; round++)
            {
                var value = $"caller-{i}-round-{round}-" + new string('x', i % 300);
                Assert.True(await db.StringSetAsync($"caller:{i}", value));
                Assert.Equal(value, (string?)await db.StringGetAsync($"caller:{i}"));
            }
        });

        var all = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => db.StringGetAsync($"caller:{i}")));
        for (var i = 0; i < 1000; i++)
        {
            Assert.StartsWith($"caller-{i}-round-4-", (string?)all[i]);
        }
    }

    [Fact]
    public async Task AServerErrorIsThrownAndTheConnectionStaysInStep()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        await db.ExecuteAsync("RPUSH", "a-list", "x");
        var error = await Assert.ThrowsAsync<RedisServerException>(() => db.StringGetAsync("a-list"));
        Assert.StartsWith("WRONGTYPE", error.Message);
        await db.StringSetAsync("after-error", "fine");
        Assert.Equal("fine", (string?)await db.StringGetAsync("after-error"));
    }

    [Fact]
    public async Task ASlowReplyTimesOutAndLaterRepliesStillMatch()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString + ",syncTimeout=200");
        var db = redis.GetDatabase();
        await db.StringSetAsync("timeout:key", "value");

        // DEBUG SLEEP holds the server; the reply arrives after the client gave up on it.
        var slow = db.ExecuteAsync("DEBUG", "SLEEP", "1");
        var queuedBehind = db.StringGetAsync("timeout:key");
        await Assert.ThrowsAsync<RedisTimeoutException>(() => slow);
        await Assert.ThrowsAsync<RedisTimeoutException>(() => queuedBehind);

        await Task.Delay(1200);
        Assert.Equal("value", (string?)await db.StringGetAsync("timeout:key"));
        Assert.Equal(42, (long)await db.ExecuteAsync("ECHO", 42));
    }

    [Fact]
    public async Task ACancelledCallThrowsAndLaterRepliesStillMatch()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        using var cancel = new CancellationTokenSource();
        var slow = db.ExecuteAsync("DEBUG", ["SLEEP", "0.3"], cancel.Token);
        var get = db.StringGetAsync("cancel:key", cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get);

        await db.StringSetAsync("cancel:key", "mine");
        Assert.Equal("mine", (string?)await db.StringGetAsync("cancel:key"));
    }

    [Fact]
    public async Task TheClientNameIsSetOnTheConnection()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString + ",name=catalog-test");
        Assert.Equal("catalog-test", (string?)await redis.GetDatabase().ExecuteAsync("CLIENT", "GETNAME"));
    }

    [Fact]
    public async Task EachCommandIsASpanWithDatabaseConventionsAndNoValues()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RedisClientDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (spans)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        await redis.GetDatabase().StringSetAsync("traced-key", "secret-value");

        Activity span;
        lock (spans)
        {
            span = Assert.Single(spans, s => s.OperationName == "SET");
        }

        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("redis", span.GetTagItem("db.system.name"));
        Assert.Equal("SET", span.GetTagItem("db.operation.name"));
        Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
        Assert.Equal(fixture.Node.Port, span.GetTagItem("server.port"));
        Assert.DoesNotContain(span.TagObjects, tag => tag.Value?.ToString()?.Contains("secret", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task TheHealthCheckPingsTheServer()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var check = new RedisHealthCheck(redis);
        var context = new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("redis", check, HealthStatus.Unhealthy, null),
        };

        var result = await check.CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Contains("PING", result.Description);
    }

    [Fact]
    public async Task AnAclUserAuthenticatesWithUserAndPassword()
    {
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString))
        {
            await admin.GetDatabase().ExecuteAsync("ACL", "SETUSER", "catalog", "on", ">catalog-pass", "~*", "+@all");
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{fixture.Node.EndPoint},user=catalog,password=catalog-pass");
        Assert.Equal("catalog", (string?)await redis.GetDatabase().ExecuteAsync("ACL", "WHOAMI"));

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() =>
            ConnectionMultiplexer.ConnectAsync($"{fixture.Node.EndPoint},user=catalog,password=nope"));
        Assert.Contains("Check the password (and user)", error.Message);
    }

    [Fact]
    public async Task CommandDurationsAndErrorsAreMeasured()
    {
        var durations = new List<(double Seconds, string? Operation)>();
        var errors = 0L;
        using var meters = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RedisClientDiagnostics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var operation = tags.ToArray().FirstOrDefault(t => t.Key == "db.operation.name").Value as string;
            lock (durations)
            {
                durations.Add((value, operation));
            }
        });
        meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref errors, value));
        meters.Start();

        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        await db.StringSetAsync("metered", "x");
        await db.ExecuteAsync("RPUSH", "metered-list", "x");
        await Assert.ThrowsAsync<RedisServerException>(() => db.StringGetAsync("metered-list"));

        lock (durations)
        {
            Assert.Contains(durations, d => d.Operation == "SET" && d.Seconds > 0);
            Assert.Contains(durations, d => d.Operation == "GET");
        }

        Assert.True(Interlocked.Read(ref errors) >= 1);
    }

    [Fact]
    public async Task TheHealthCheckRegistersWithAspNetCoreHealthChecks()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var services = new ServiceCollection();
        services.AddSingleton(redis);
        services.AddLogging();
        services.AddHealthChecks().AddRedisClient();
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.True(report.Entries.ContainsKey("redis"));
    }

    [Fact]
    public async Task CancellationsUnderLoadNeverMixUpReplies()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.ConnectionString);
        var db = redis.GetDatabase();
        var cancelled = 0;
        var answered = 0;
        await Parallel.ForAsync(0, 100, new ParallelOptions { MaxDegreeOfParallelism = 100 }, async (i, _) =>
        {
            var random = new Random(i);
            for (var n = 0; n < 100; n++)
            {
                // Some calls are cancelled before they are written, some after, some never.
                using var cancel = new CancellationTokenSource();
                var set = db.StringSetAsync($"mix:{i}", $"caller-{i}:{n}", cancellationToken: cancel.Token);
                var get = db.StringGetAsync($"mix:{i}", cancel.Token);
                if (random.Next(3) == 0)
                {
                    cancel.Cancel();
                }

                try
                {
                    await set;
                    var value = (string?)await get;
                    Assert.True(value is null || value.StartsWith($"caller-{i}:", StringComparison.Ordinal), $"caller {i} read '{value}'");
                    Interlocked.Increment(ref answered);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                }
            }
        });

        Assert.True(cancelled > 0);
        Assert.True(answered > 0);
        Assert.Equal("PONG", (await db.ExecuteAsync("PING")).ToString());
    }
}
