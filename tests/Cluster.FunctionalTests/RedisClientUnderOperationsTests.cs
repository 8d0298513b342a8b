using System.Collections.Concurrent;
using System.Diagnostics;
using Hosting.Cluster;
using RedisClient;
using Xunit.Abstractions;

namespace Cluster.FunctionalTests;

/// <summary>What the services see: the project's own RedisClient in cluster mode while the cluster is reshaped.</summary>
public sealed class RedisClientUnderOperationsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RedisClusterManager _cluster = null!;

    public async Task InitializeAsync() => _cluster = await RedisClusterManager.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task RedisClientSeesNoFailedRequestWhileAMasterIsAddedAndAnotherRemoved()
    {
        await using var client = await ConnectionMultiplexer.ConnectAsync(_cluster.ConnectionString);
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
}
