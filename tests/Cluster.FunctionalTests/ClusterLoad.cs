using System.Collections.Concurrent;

namespace Cluster.FunctionalTests;

/// <summary>
/// Bounded load for the tests: a few workers, each with its own client, SET a key then GET it back and compare,
/// until stopped or out of operations. Every failed request and every wrong value is counted, not hidden.
/// </summary>
internal sealed class ClusterLoad
{
    private readonly ConcurrentDictionary<string, string> _written = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private long _operations;

    /// <summary>The last value written to each key.</summary>
    public IReadOnlyDictionary<string, string> Written => _written;

    public long Operations => Interlocked.Read(ref _operations);

    public IReadOnlyCollection<string> Errors => _errors;

    public int Redirects { get; private set; }

    /// <summary>Runs <paramref name="workers"/> workers until <paramref name="stop"/> fires or each did <paramref name="maxOperationsPerWorker"/> pairs.</summary>
    public async Task RunAsync(Hosting.Cluster.RedisClusterManager cluster, int workers, int maxOperationsPerWorker, CancellationToken stop)
    {
        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkAsync(cluster, w, maxOperationsPerWorker, stop)));
        var redirects = await Task.WhenAll(tasks);
        Redirects = redirects.Sum();
    }

    private async Task<int> WorkAsync(Hosting.Cluster.RedisClusterManager cluster, int worker, int maxOperations, CancellationToken stop)
    {
        await using var client = await ClusterTestClient.ConnectAsync(cluster);
        var random = new Random(worker);
        for (var i = 0; i < maxOperations && !stop.IsCancellationRequested; i++)
        {
            var key = $"load:{worker}:{random.Next(2_000)}";
            var value = $"{i}";
            try
            {
                await client.SetAsync(key, value);
                _written[key] = value;
                var read = await client.GetAsync(key);
                if (read != value)
                {
                    _errors.Enqueue($"{key}: wrote '{value}', read '{read}'");
                }
            }
            catch (Exception ex)
            {
                _errors.Enqueue($"{key}: {ex.Message}");
            }

            Interlocked.Increment(ref _operations);
        }

        return client.Redirects;
    }
}
