using System.Collections.Concurrent;
using System.Diagnostics;
using Hosting.Cluster;
using RedisClient;
using Xunit.Abstractions;

namespace Cluster.FunctionalTests;

/// <summary>What the services see: the project's own RedisClient in cluster mode while the cluster is reshaped.</summary>
public sealed class RedisClientUnderOperationsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RedisClusterManager? _cluster;

    public async Task InitializeAsync() => _cluster = await RedisClusterManager.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task RedisClientSeesNoFailedRequestWhileAMasterIsAddedAndAnotherRemoved()
    {
        await using var client = await ConnectionMultiplexer.ConnectAsync(_cluster!.ConnectionString);
        var db = client.GetDatabase();
        var written = new ConcurrentDictionary<string, string>();
        var errors = new ConcurrentQueue<string>();
        long operations = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = 0; !stop.IsCancellationRequested && i < 100_000; i++)
            {
                var key = $"rc:{w}:{random.Next(2_000)}";
                try
                {
                    await db.StringSetAsync(key, $"{i}");
                    written[key] = $"{i}";
                    var read = (string?)await db.StringGetAsync(key);
                    if (read != $"{i}")
                    {
                        errors.Enqueue($"{key}: wrote {i}, read {read}");
                    }
                }
                catch (Exception ex)
                {
                    errors.Enqueue($"{key}: {ex.GetType().Name}: {ex.Message}");
                }

                Interlocked.Increment(ref operations);
            }
        })).ToList();

        var watch = Stopwatch.StartNew();
        await _cluster.AddMasterAsync();
        var added = watch.Elapsed;
        var victim = (await _cluster.GetStateAsync()).Masters.First();
        await _cluster.RemoveNodeAsync(victim.Id);
        var removed = watch.Elapsed - added;
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine($"RedisClient: {operations} SET+GET pairs; AddMaster {added.TotalMilliseconds:0} ms, RemoveNode {removed.TotalMilliseconds:0} ms; {errors.Count} errors");
        Assert.True(errors.IsEmpty, $"{errors.Count} failed requests, e.g. {string.Join(" | ", errors.Take(3))}");
        Assert.True(operations > 0);
        var state = await _cluster.GetStateAsync();
        Assert.True(state.Ok);
        Assert.Equal(3, state.Masters.Count());
        foreach (var (key, value) in written)
        {
            Assert.Equal(value, (string?)await db.StringGetAsync(key));
        }
    }

    [Fact]
    public async Task WritesAcknowledgedWithWaitSurviveTheFailoverOfAKilledMaster()
    {
        await using var client = await ConnectionMultiplexer.ConnectAsync(_cluster!.ConnectionString);
        var db = client.GetDatabase();
        var acknowledged = new ConcurrentDictionary<string, long>();
        long failed = 0;
        long writes = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (long i = 0; !stop.IsCancellationRequested && i < 100_000; i++)
            {
                var key = $"ack:{w}:{random.Next(500)}";
                try
                {
                    await db.StringSetAsync(key, i);
                    if (await db.WaitAsync(key, 1, TimeSpan.FromMilliseconds(500)) >= 1)
                    {
                        // A write the replica confirmed: no failover may lose it (values only grow per key).
                        acknowledged[key] = i;
                    }
                }
                catch (Exception)
                {
                    // Requests to the killed master fail until the replica takes over; that is expected, not a loss.
                    Interlocked.Increment(ref failed);
                    await Task.Delay(50);
                }

                Interlocked.Increment(ref writes);
            }
        })).ToList();

        await Task.Delay(500);
        FailoverResult failover;
        try
        {
            failover = await _cluster.KillMasterAsync();
        }
        catch
        {
            foreach (var endpoint in _cluster.Endpoints)
            {
                var port = int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                output.WriteLine($"--- {endpoint}");
                foreach (var line in _cluster.GetNodeLog(port).TakeLast(25))
                {
                    output.WriteLine(line);
                }
            }

            throw;
        }

        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine($"Failover in {failover.Elapsed.TotalMilliseconds:0} ms; {writes} writes, {failed} failed during the failover, {acknowledged.Count} keys with an acknowledged write");
        Assert.True(acknowledged.Count > 0);
        var lost = new List<string>();
        foreach (var (key, value) in acknowledged)
        {
            var read = (string?)await db.StringGetAsync(key);
            if (read is null || long.Parse(read, System.Globalization.CultureInfo.InvariantCulture) < value)
            {
                lost.Add($"{key}: acknowledged {value}, read {read ?? "(nil)"}");
            }
        }

        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged writes lost, e.g. {string.Join("; ", lost.Take(3))}");
    }
}
