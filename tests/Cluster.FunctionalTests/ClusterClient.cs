using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Cluster.FunctionalTests;

/// <summary>
/// What a service sees: StackExchange.Redis on the cluster's connection string, writing and reading while the
/// cluster is reshaped. Every failed request and every wrong value is counted, not hidden.
/// </summary>
internal sealed class ClusterClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _written = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private long _operations;

    private ClusterClient(ConnectionMultiplexer connection) => Connection = connection;

    public ConnectionMultiplexer Connection { get; }

    public IDatabase Database => Connection.GetDatabase();

    /// <summary>The last value written to each key by <see cref="RunLoadAsync"/>.</summary>
    public IReadOnlyDictionary<string, string> Written => _written;

    public long Operations => Interlocked.Read(ref _operations);

    public IReadOnlyCollection<string> Errors => _errors;

    public static async Task<ClusterClient> ConnectAsync(string connectionString) =>
        new(await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true,syncTimeout=15000,asyncTimeout=15000"));

    /// <summary>SET then GET and compare, on <paramref name="workers"/> workers, until <paramref name="stop"/> fires.</summary>
    public Task RunLoadAsync(int workers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"load:{w}:{random.Next(2_000)}";
                var value = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                try
                {
                    await Database.StringSetAsync(key, value);
                    _written[key] = value;
                    var read = (string?)await Database.StringGetAsync(key);
                    if (read != value)
                    {
                        _errors.Enqueue($"{key}: wrote '{value}', read '{read}'");
                    }
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    _errors.Enqueue($"{key}: {ex.GetType().Name}: {ex.Message}");
                }

                Interlocked.Increment(ref _operations);
            }
        }, CancellationToken.None)));

    public async Task<Dictionary<string, string>> WriteKeysAsync(string prefix, int count)
    {
        var written = Enumerable.Range(0, count).ToDictionary(i => $"{prefix}:{i}", i => $"value-{i}");
        await Task.WhenAll(written.Select(kv => Database.StringSetAsync(kv.Key, kv.Value)));
        return written;
    }

    /// <summary>The keys whose value is not the expected one (missing or different), as messages.</summary>
    public async Task<List<string>> FindWrongAsync(IReadOnlyDictionary<string, string> expected)
    {
        var keys = expected.Keys.ToList();
        var reads = await Task.WhenAll(keys.Select(k => Database.StringGetAsync(k)));
        return [.. keys.Select((k, i) => (Key: k, Read: (string?)reads[i]))
            .Where(x => x.Read != expected[x.Key])
            .Select(x => $"{x.Key}: expected '{expected[x.Key]}', read '{x.Read ?? "(nil)"}'")];
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
