using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NearCaching;
using StackExchange.Redis;
using TestServers;

namespace Benchmarks;

/// <summary>
/// The article's benchmark: 10 payloads of 20,000 bytes written under new GUID keys, then each read 100 times
/// (or once), one awaited call after another, on StackExchange.Redis: one Redis, a 3+3 Redis Cluster, and the
/// cluster behind a near cache (Coherent with a version stamp, then Tracking). The near-cache rows write through the
/// near cache, so a value this client just wrote can be read back locally. Every topology is started by its
/// GlobalSetup on free loopback ports.
/// </summary>
/// <remarks>
/// The GUID keys are drawn in turn from a pool of <see cref="KeyPool"/> (each operation takes the next 10), so a key
/// is written again only 200 operations later and the servers' memory stays flat however many operations
/// BenchmarkDotNet runs; every row writes and reads the same keys in the same order.
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MemoryDiagnoser]
public class ArticleBenchmark
{
    private const int Payloads = 10;
    private const int PayloadSize = 20_000;
    private const int KeyPool = 2_000;

    private readonly byte[][] _payloads = new byte[Payloads][];
    private RedisServers? _servers;
    private ConnectionMultiplexer? _multiplexer;
    private readonly RedisKey[] _keys = new RedisKey[KeyPool];
    private NearCache? _near;
    private NetworkEmulation.EmulatedNetwork? _network;
    private IDatabase _db = null!;
    private int _next;

    [GlobalSetup(Targets = [nameof(SingleRedis100Reads), nameof(SingleRedis1Read)])]
    public void SetupSingle() => StartAsync(cluster: false, nearCache: null).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(Cluster100Reads), nameof(Cluster1Read)])]
    public void SetupCluster() => StartAsync(cluster: true, nearCache: null).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(ClusterNearCoherent100Reads), nameof(ClusterNearCoherent1Read)])]
    public void SetupClusterNearCoherent() => StartAsync(cluster: true,
        new NearCacheOptions { Mode = NearCacheMode.Coherent, VersionStamp = NearCacheVersionStamp.Prefix }).GetAwaiter().GetResult();

    // The article's own comparison, for a reader who has the servers: REDIS_SERVERS and SOSS_SERVERS in the article's
    // host__port form (Program.cs leaves these rows out when the variable is not set).
    [GlobalSetup(Targets = [nameof(ExternalRedis100Reads), nameof(ExternalRedis1Read)])]
    public void SetupExternalRedis() => ConnectAsync(ExternalServers.ConnectionString(ExternalServers.Redis), nearCache: null).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(Soss100Reads), nameof(Soss1Read)])]
    public void SetupSoss() => ConnectAsync(ExternalServers.ConnectionString(ExternalServers.Soss), nearCache: null).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(ClusterNearTracking100Reads), nameof(ClusterNearTracking1Read)])]
    public void SetupClusterNearTracking()
        => StartAsync(cluster: true, new NearCacheOptions { Mode = NearCacheMode.Tracking }).GetAwaiter().GetResult();

    // BenchmarkDotNet's in-process toolchain runs setup and cleanup synchronously: block on them here.
    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(Description = "single Redis"), BenchmarkCategory("100 reads each")]
    public Task<long> SingleRedis100Reads() => WriteThenReadAsync(100);

    [Benchmark(Baseline = true, Description = "Redis Cluster 3+3"), BenchmarkCategory("100 reads each")]
    public Task<long> Cluster100Reads() => WriteThenReadAsync(100);

    [Benchmark(Description = "cluster + near cache (coherent, version stamp)"), BenchmarkCategory("100 reads each")]
    public Task<long> ClusterNearCoherent100Reads() => WriteThenReadNearAsync(100);

    [Benchmark(Description = "cluster + near cache (tracking)"), BenchmarkCategory("100 reads each")]
    public Task<long> ClusterNearTracking100Reads() => WriteThenReadNearAsync(100);

    [Benchmark(Description = "Redis at REDIS_SERVERS"), BenchmarkCategory("100 reads each")]
    public Task<long> ExternalRedis100Reads() => WriteThenReadAsync(100);

    [Benchmark(Description = "ScaleOut StateServer at SOSS_SERVERS"), BenchmarkCategory("100 reads each")]
    public Task<long> Soss100Reads() => WriteThenReadAsync(100);

    [Benchmark(Description = "single Redis"), BenchmarkCategory("1 read each")]
    public Task<long> SingleRedis1Read() => WriteThenReadAsync(1);

    [Benchmark(Baseline = true, Description = "Redis Cluster 3+3"), BenchmarkCategory("1 read each")]
    public Task<long> Cluster1Read() => WriteThenReadAsync(1);

    [Benchmark(Description = "cluster + near cache (coherent, version stamp)"), BenchmarkCategory("1 read each")]
    public Task<long> ClusterNearCoherent1Read() => WriteThenReadNearAsync(1);

    [Benchmark(Description = "cluster + near cache (tracking)"), BenchmarkCategory("1 read each")]
    public Task<long> ClusterNearTracking1Read() => WriteThenReadNearAsync(1);

    [Benchmark(Description = "Redis at REDIS_SERVERS"), BenchmarkCategory("1 read each")]
    public Task<long> ExternalRedis1Read() => WriteThenReadAsync(1);

    [Benchmark(Description = "ScaleOut StateServer at SOSS_SERVERS"), BenchmarkCategory("1 read each")]
    public Task<long> Soss1Read() => WriteThenReadAsync(1);

    private async Task<long> WriteThenReadAsync(int readsEach)
    {
        var keys = NextKeys();
        for (var i = 0; i < Payloads; i++)
        {
            await _db.StringSetAsync(keys[i], _payloads[i]);
        }

        // The bytes read are summed and checked so no read can be skipped or come back empty.
        var bytes = 0L;
        for (var i = 0; i < Payloads; i++)
        {
            for (var read = 0; read < readsEach; read++)
            {
                bytes += ((ReadOnlyMemory<byte>)await _db.StringGetAsync(keys[i])).Length;
            }
        }

        return Check(bytes, readsEach);
    }

    private async Task<long> WriteThenReadNearAsync(int readsEach)
    {
        var near = _near!;
        var keys = NextKeys();
        for (var i = 0; i < Payloads; i++)
        {
            await near.StringSetAsync(keys[i], _payloads[i]);
        }

        var bytes = 0L;
        for (var i = 0; i < Payloads; i++)
        {
            for (var read = 0; read < readsEach; read++)
            {
                bytes += ((ReadOnlyMemory<byte>)await near.StringGetAsync(keys[i])).Length;
            }
        }

        return Check(bytes, readsEach);
    }

    /// <summary>The next 10 keys of the pool.</summary>
    private ArraySegment<RedisKey> NextKeys()
    {
        var start = _next;
        _next = (_next + Payloads) % KeyPool;
        return new ArraySegment<RedisKey>(_keys, start, Payloads);
    }

    private long Check(long bytes, int readsEach)
    {
        var expected = 0L;
        foreach (var payload in _payloads)
        {
            expected += (long)payload.Length * readsEach;
        }

        return bytes == expected ? bytes : throw new InvalidOperationException($"Read {bytes} bytes, expected {expected}.");
    }

    private async Task StartAsync(bool cluster, NearCacheOptions? nearCache)
    {
        _servers = new RedisServers();
        IReadOnlyList<RedisServers.RedisNode> nodes = cluster ? await _servers.StartClusterAsync() : [await _servers.StartAsync()];
        // -- article --network <profile>: the servers behind emulated links (ArticleNetwork.cs); else direct.
        (var connectionString, _network) = await ArticleNetwork.ConnectAsync(_servers, nodes, cluster);
        await ConnectAsync(connectionString, nearCache);
    }

    private async Task ConnectAsync(string connectionString, NearCacheOptions? nearCache)
    {
        // Stamped payloads carry the versioned cache-aside's header, v<version>|, before the same 20,000 bytes.
        var stamped = nearCache?.VersionStamp == NearCacheVersionStamp.Prefix;
        for (var i = 0; i < Payloads; i++)
        {
            var body = new byte[PayloadSize];
            Random.Shared.NextBytes(body);
            _payloads[i] = stamped ? [.. Encoding.ASCII.GetBytes($"v{i + 1}|"), .. body] : body;
        }

        for (var i = 0; i < KeyPool; i++)
        {
            _keys[i] = Guid.NewGuid().ToString();
        }

        _next = 0;
        _multiplexer = await ConnectionMultiplexer.ConnectAsync(connectionString);
        _db = _multiplexer.GetDatabase();
        if (nearCache is not null)
        {
            // Tracking mode returns once tracking is armed on every master.
            _near = await NearCache.CreateAsync(_multiplexer, nearCache);
            if (!_near.GetStatistics().IsArmed)
            {
                throw new InvalidOperationException("Tracking was not armed on every master.");
            }
        }
    }

    private async Task CleanupAsync()
    {
        if (_near is not null)
        {
            Console.WriteLine($"// near cache: {_near.GetStatistics()}");
            await _near.DisposeAsync();
        }

        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }

        if (_network is not null)
        {
            await _network.DisposeAsync();
        }

        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }

        (_servers, _multiplexer, _near, _network) = (null, null, null, null);
    }
}
