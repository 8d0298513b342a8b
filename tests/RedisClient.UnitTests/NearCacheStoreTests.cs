using System.Text;
using RedisClient.Internal;

namespace RedisClient.UnitTests;

public class NearCacheStoreTests
{
    [Fact]
    public void TheLeastRecentlyUsedEntryGoesFirstWhenEntriesAreFull()
    {
        var evicted = 0;
        var store = new NearCacheStore(maxEntries: 3, maxBytes: long.MaxValue) { Evicted = (count, _) => evicted += count };
        store.Set("a", [1], null);
        store.Set("b", [2], null);
        store.Set("c", [3], null);
        Assert.True(store.TryGet("a", out _, out _)); // a is now the most recently used; b is the oldest

        store.Set("d", [4], null);

        Assert.Equal(3, store.Count);
        Assert.Equal(1, evicted);
        Assert.False(store.TryGet("b", out _, out _));
        Assert.True(store.TryGet("a", out var a, out _));
        Assert.Equal([1], a);
        Assert.True(store.TryGet("c", out _, out _));
        Assert.True(store.TryGet("d", out _, out _));
    }

    [Fact]
    public void BytesNeverExceedTheBudgetAndOldValuesAreEvictedForNewOnes()
    {
        var entrySize = NearCacheStore.SizeOf("k00", new byte[1000]);
        var store = new NearCacheStore(maxEntries: 1000, maxBytes: entrySize * 5);
        for (var i = 0; i < 50; i++)
        {
            store.Set($"k{i:00}", new byte[1000], null);
            Assert.True(store.Bytes <= entrySize * 5, $"{store.Bytes} bytes after {i + 1} sets");
        }

        Assert.Equal(5, store.Count);
        Assert.Equal(entrySize * 5, store.Bytes);
        Assert.True(store.TryGet("k49", out _, out _));
        Assert.True(store.TryGet("k45", out _, out _));
        Assert.False(store.TryGet("k44", out _, out _));
    }

    [Fact]
    public void AValueLargerThanTheWholeBudgetIsNotKeptAndDropsTheOldCopy()
    {
        var store = new NearCacheStore(maxEntries: 10, maxBytes: 2000);
        Assert.True(store.Set("big", new byte[100], null));

        Assert.False(store.Set("big", new byte[5000], null));

        Assert.False(store.TryGet("big", out _, out _));
        Assert.Equal(0, store.Bytes);
    }

    [Fact]
    public void ReplacingAValueChargesOnlyTheNewSize()
    {
        var store = new NearCacheStore(maxEntries: 10, maxBytes: 1_000_000);
        store.Set("k", new byte[500], "v1");
        store.Set("k", new byte[200], "v2");

        Assert.Equal(1, store.Count);
        Assert.Equal(NearCacheStore.SizeOf("k", new byte[200]), store.Bytes);
        Assert.True(store.TryGet("k", out var value, out var version));
        Assert.Equal(200, value.Length);
        Assert.Equal("v2", version);
    }

    [Fact]
    public void AFetchInvalidatedBeforeItsReplyIsNotKept()
    {
        var store = new NearCacheStore(maxEntries: 10, maxBytes: 1_000_000);
        var token = store.BeginFetch("k")!;
        Assert.False(store.TryGet("k", out _, out _)); // a fetch in flight is not a value

        store.Remove("k"); // the invalidation arrives before the GET's reply
        Assert.False(store.CompleteFetch(token, [1, 2, 3], null));

        Assert.False(store.TryGet("k", out _, out _));
        Assert.Equal(0, store.Count);
        Assert.Equal(0, store.Bytes);
    }

    [Fact]
    public void AFetchFlushedBeforeItsReplyIsNotKeptButTheNextOneIs()
    {
        var store = new NearCacheStore(maxEntries: 10, maxBytes: 1_000_000);
        var first = store.BeginFetch("k")!;
        Assert.Null(store.BeginFetch("k")); // one fetch per key at a time
        store.Clear();
        Assert.False(store.CompleteFetch(first, [1], null));

        var second = store.BeginFetch("k")!;
        Assert.True(store.CompleteFetch(second, [2], null));
        Assert.True(store.TryGet("k", out var value, out _));
        Assert.Equal([2], value);
        Assert.Equal(NearCacheStore.SizeOf("k", [2]), store.Bytes);
    }

    [Fact]
    public void AWriteDuringAFetchWinsOverTheFetchedValue()
    {
        var store = new NearCacheStore(maxEntries: 10, maxBytes: 1_000_000);
        var token = store.BeginFetch("k")!;
        store.Set("k", [9], null);

        Assert.False(store.CompleteFetch(token, [1], null));
        Assert.True(store.TryGet("k", out var value, out _));
        Assert.Equal([9], value);
    }

    [Fact]
    public void ByteAccountingStaysExactUnderConcurrentUse()
    {
        var store = new NearCacheStore(maxEntries: 64, maxBytes: 40_000);
        var reported = 0L;
        var counted = new NearCacheStore(maxEntries: 64, maxBytes: 40_000) { BytesChanged = d => Interlocked.Add(ref reported, d) };
        Parallel.For(0, 20_000, i =>
        {
            foreach (var s in new[] { store, counted })
            {
                var key = $"k{i % 200}";
                switch (i % 5)
                {
                    case 0: s.Remove(key); break;
                    case 1: if (s.BeginFetch(key) is { } t) { s.CompleteFetch(t, new byte[i % 1500], null); } break;
                    default: s.Set(key, new byte[i % 1500], null); break;
                }
            }
        });

        Assert.True(store.Count <= 64);
        Assert.True(store.Bytes <= 40_000);
        Assert.Equal(counted.Bytes, Interlocked.Read(ref reported));
        counted.Clear();
        Assert.Equal(0, Interlocked.Read(ref reported));
    }

    [Fact]
    public void TheVersionIsTheSha1TheServerComputes()
    {
        // redis-cli EVAL "return redis.sha1hex(ARGV[1])" 0 hello
        Assert.Equal("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", NearCacheDatabase.Version(Encoding.UTF8.GetBytes("hello")));
    }

    [Fact]
    public void KeysThatAreNotUtf8AreNeverKeptLocally()
    {
        Assert.Equal("product:1", NearCacheDatabase.LocalKey((RedisKey)"product:1"));
        Assert.Equal("product:1", NearCacheDatabase.LocalKey((RedisKey)Encoding.UTF8.GetBytes("product:1")));
        Assert.Null(NearCacheDatabase.LocalKey((RedisKey)new byte[] { 0xff, 0xfe }));
    }

    [Fact]
    public void OptionsOutOfRangeAreClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearCacheOptions { MaxEntries = 0 }.Validate());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new NearCacheOptions { MaxBytes = -1 }.Validate());
        Assert.Contains("MaxBytes", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearCacheOptions { Mode = (NearCacheMode)7 }.Validate());
    }
}
