using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Hosting.Cluster;
using RedisClient;

namespace Benchmarks;

/// <summary>
/// The article's benchmark: 10 payloads of 20,000 bytes written under new GUID keys, then each read 100 times
/// (or once), one awaited call after another, against one Redis, a 3+3 Redis Cluster, and the cluster behind a
/// near cache (Coherent hashing the value, Coherent comparing a version stamp, then Tracking). Every topology is
/// started by its GlobalSetup on free loopback ports.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ArticleBenchmark
{
    private const int Payloads = 10;
    private const int PayloadSize = 20_000;

    private readonly byte[][] _payloads = new byte[Payloads][];
    private LocalRedisServer? _single;
    private RedisClusterManager? _cluster;
    private ConnectionMultiplexer? _multiplexer;
    private IDatabase _db = null!;

    [GlobalSetup(Targets = [nameof(SingleRedis100Reads), nameof(SingleRedis1Read)])]
    public void SetupSingle()
    {
        _single = LocalRedisServer.StartAsync().GetAwaiter().GetResult();
        ConnectAsync($"127.0.0.1:{_single.Port},password={_single.Password}", nearCache: null).GetAwaiter().GetResult();
    }

    [GlobalSetup(Targets = [nameof(Cluster100Reads), nameof(Cluster1Read)])]
    public void SetupCluster() => StartClusterAsync(nearCache: null).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(ClusterNearCoherent100Reads), nameof(ClusterNearCoherent1Read)])]
    public void SetupClusterNearCoherent()
        => StartClusterAsync(new NearCacheOptions { Mode = NearCacheMode.Coherent }).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(ClusterNearStamped100Reads), nameof(ClusterNearStamped1Read)])]
    public void SetupClusterNearStamped() => StartClusterAsync(
        new NearCacheOptions { Mode = NearCacheMode.Coherent, VersionStamp = NearCacheVersionStamp.Prefix }).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(ClusterNearTracking100Reads), nameof(ClusterNearTracking1Read)])]
    public void SetupClusterNearTracking()
        => StartClusterAsync(new NearCacheOptions { Mode = NearCacheMode.Tracking }).GetAwaiter().GetResult();

    // BenchmarkDotNet's in-process toolchain runs setup and cleanup synchronously: block on them here.
    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    private async Task CleanupAsync()
    {
        if (_db is IAsyncDisposable near)
        {
            await near.DisposeAsync();
        }

        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }

        _single?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        (_single, _cluster, _multiplexer) = (null, null, null);
    }

    [Benchmark(Description = "single Redis"), BenchmarkCategory("100 reads each")]
    public Task<long> SingleRedis100Reads() => WriteThenReadAsync(100);

    [Benchmark(Baseline = true, Description = "Redis Cluster 3+3"), BenchmarkCategory("100 reads each")]
    public Task<long> Cluster100Reads() => WriteThenReadAsync(100);

    [Benchmark(Description = "cluster + near cache (coherent)"), BenchmarkCategory("100 reads each")]
    public Task<long> ClusterNearCoherent100Reads() => WriteThenReadAsync(100);

    [Benchmark(Description = "cluster + near cache (coherent, version stamp)"), BenchmarkCategory("100 reads each")]
    public Task<long> ClusterNearStamped100Reads() => WriteThenReadAsync(100);

    [Benchmark(Description = "cluster + near cache (tracking)"), BenchmarkCategory("100 reads each")]
    public Task<long> ClusterNearTracking100Reads() => WriteThenReadAsync(100);

    [Benchmark(Description = "single Redis"), BenchmarkCategory("1 read each")]
    public Task<long> SingleRedis1Read() => WriteThenReadAsync(1);

    [Benchmark(Baseline = true, Description = "Redis Cluster 3+3"), BenchmarkCategory("1 read each")]
    public Task<long> Cluster1Read() => WriteThenReadAsync(1);

    [Benchmark(Description = "cluster + near cache (coherent)"), BenchmarkCategory("1 read each")]
    public Task<long> ClusterNearCoherent1Read() => WriteThenReadAsync(1);

    [Benchmark(Description = "cluster + near cache (coherent, version stamp)"), BenchmarkCategory("1 read each")]
    public Task<long> ClusterNearStamped1Read() => WriteThenReadAsync(1);

    [Benchmark(Description = "cluster + near cache (tracking)"), BenchmarkCategory("1 read each")]
    public Task<long> ClusterNearTracking1Read() => WriteThenReadAsync(1);

    private async Task<long> WriteThenReadAsync(int readsEach)
    {
        var keys = new RedisKey[Payloads];
        for (var i = 0; i < Payloads; i++)
        {
            keys[i] = Guid.NewGuid().ToString();
            await _db.StringSetAsync(keys[i], _payloads[i]);
        }

        // The bytes read are summed and checked so no read can be skipped or come back empty.
        var bytes = 0L;
        var expected = 0L;
        for (var i = 0; i < Payloads; i++)
        {
            expected += (long)_payloads[i].Length * readsEach;
            for (var read = 0; read < readsEach; read++)
            {
                bytes += (await _db.StringGetAsync(keys[i])).AsMemory().Length;
            }
        }

        if (bytes != expected)
        {
            throw new InvalidOperationException($"Read {bytes} bytes, expected {expected}.");
        }

        return bytes;
    }

    private async Task StartClusterAsync(NearCacheOptions? nearCache)
    {
        _cluster = await RedisClusterManager.StartAsync(new RedisClusterOptions { Masters = 3, ReplicasPerMaster = 1 });
        await ConnectAsync(_cluster.ConnectionString, nearCache);
    }

    private async Task ConnectAsync(string connectionString, NearCacheOptions? nearCache)
    {
        // Stamped payloads carry the versioned cache-aside's header, v<version>|, before the same 20,000 bytes.
        var stamped = nearCache?.VersionStamp == NearCacheVersionStamp.Prefix;
        for (var i = 0; i < Payloads; i++)
        {
            var body = RandomNumberGenerator.GetBytes(PayloadSize);
            _payloads[i] = stamped ? [.. Encoding.ASCII.GetBytes($"v{i + 1}|"), .. body] : body;
        }

        _multiplexer = await ConnectionMultiplexer.ConnectAsync(connectionString);
        _db = _multiplexer.GetDatabase();
        if (nearCache is not null)
        {
            var near = _multiplexer.GetNearCacheDatabase(nearCache);
            _db = near;

            // Tracking turns on in the background: wait until a key on every master is served locally.
            var probes = Enumerable.Range(0, 30).Select(i => (RedisKey)$"probe:{i}").ToArray();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            foreach (var probe in probes)
            {
                await near.StringSetAsync(probe, "p");
                while (true)
                {
                    await near.StringGetAsync(probe);
                    if ((await near.StringGetWithSourceAsync(probe)).ServedLocally)
                    {
                        break;
                    }

                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException("The near cache served nothing locally within 30 s.");
                    }

                    await Task.Delay(20);
                }
            }
        }
    }
}
