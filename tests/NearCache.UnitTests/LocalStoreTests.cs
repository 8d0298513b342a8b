namespace NearCache.UnitTests;

/// <summary>The bounded store of local copies, without a server: bounds, reads and writes in flight.</summary>
public class LocalStoreTests
{
    [Fact]
    public void TheLeastRecentlyUsedEntryGoesFirstWhenEntriesAreFull()
    {
        var store = new LocalStore(maxEntries: 3, maxBytes: long.MaxValue);
        store.Set("a", [1], null);
        store.Set("b", [2], null);
        store.Set("c", [3], null);
        Assert.True(store.TryGet("a", out _, out _)); // a is now the most recently used; b is the oldest

        store.Set("d", [4], null);

        Assert.Equal(3, store.Count);
        Assert.Equal(1, store.Evictions);
        Assert.False(store.TryGet("b", out _, out _));
        Assert.True(store.TryGet("a", out var a, out _));
        Assert.Equal([1], a);
        Assert.True(store.TryGet("c", out _, out _));
        Assert.True(store.TryGet("d", out _, out _));
    }

    [Fact]
    public void BytesNeverExceedTheBudgetAndOldValuesAreEvictedForNewOnes()
    {
        var entrySize = LocalStore.SizeOf("k00", new byte[1000]);
        var store = new LocalStore(maxEntries: 1000, maxBytes: entrySize * 5);
        for (var i = 0; i < 50; i++)
        {
            store.Set($"k{i:00}", new byte[1000], null);
            Assert.True(store.Bytes <= entrySize * 5, $"{store.Bytes} bytes after {i + 1} sets");
        }

        Assert.Equal(5, store.Count);
        Assert.Equal(entrySize * 5, store.Bytes);
        Assert.Equal(45, store.Evictions);
        Assert.True(store.TryGet("k49", out _, out _));
        Assert.True(store.TryGet("k45", out _, out _));
        Assert.False(store.TryGet("k44", out _, out _));
    }

    [Fact]
    public void AValueLargerThanTheWholeBudgetIsNotKeptAndDropsTheOldCopy()
    {
        var store = new LocalStore(maxEntries: 10, maxBytes: 2000);
        Assert.True(store.Set("big", new byte[100], null));

        Assert.False(store.Set("big", new byte[5000], null));

        Assert.False(store.TryGet("big", out _, out _));
        Assert.Equal(0, store.Bytes);
    }

    [Fact]
    public void ReplacingAValueChargesOnlyTheNewSize()
    {
        var store = new LocalStore(maxEntries: 10, maxBytes: 1_000_000);
        store.Set("k", new byte[500], "v1");
        store.Set("k", new byte[200], "v2");

        Assert.Equal(1, store.Count);
        Assert.Equal(LocalStore.SizeOf("k", new byte[200]), store.Bytes);
        Assert.True(store.TryGet("k", out var value, out var version));
        Assert.Equal(200, value.Length);
        Assert.Equal("v2", version);
    }

    [Fact]
    public void AReadInvalidatedBeforeItsReplyIsNotKept()
    {
        var store = new LocalStore(maxEntries: 10, maxBytes: 1_000_000);
        var token = store.BeginFetch("k")!;
        Assert.False(store.TryGet("k", out _, out _)); // a read in flight is not a value

        store.Remove("k"); // the invalidation arrives before the GET's reply
        Assert.False(store.CompleteFetch(token, [1, 2, 3], null));

        Assert.False(store.TryGet("k", out _, out _));
        Assert.Equal(0, store.Count);
        Assert.Equal(0, store.Bytes);
    }

    [Fact]
    public void AReadFlushedBeforeItsReplyIsNotKeptButTheNextOneIs()
    {
        var store = new LocalStore(maxEntries: 10, maxBytes: 1_000_000);
        var first = store.BeginFetch("k")!;
        Assert.Null(store.BeginFetch("k")); // one read kept per key at a time
        store.Clear();
        Assert.False(store.CompleteFetch(first, [1], null));

        var second = store.BeginFetch("k")!;
        Assert.True(store.CompleteFetch(second, [2], null));
        Assert.True(store.TryGet("k", out var value, out _));
        Assert.Equal([2], value);
        Assert.Equal(LocalStore.SizeOf("k", [2]), store.Bytes);
    }

    [Fact]
    public void AWriteStartedDuringAReadWinsOverTheValueRead()
    {
        var store = new LocalStore(maxEntries: 10, maxBytes: 1_000_000);
        var read = store.BeginFetch("k")!;
        var write = store.BeginWrite("k");

        Assert.False(store.CompleteFetch(read, [1], null));
        Assert.True(store.KeepWritten("k", write, [9], null));
        store.EndWrite("k", write);
        Assert.True(store.TryGet("k", out var value, out _));
        Assert.Equal([9], value);
    }

    [Fact]
    public void NoReadIsKeptWhileAWriteIsInFlightEvenAfterAnInvalidationOrAFlush()
    {
        // Tracking with NOLOOP sends no invalidation for our own write: a read that overtook it must not be kept.
        var store = new LocalStore(maxEntries: 10, maxBytes: 1_000_000);
        var write = store.BeginWrite("k");
        Assert.Null(store.BeginFetch("k"));
        store.Remove("k");
        Assert.Null(store.BeginFetch("k"));
        store.Clear();
        Assert.Null(store.BeginFetch("k"));
        Assert.False(store.Set("k", [1], "sha"));

        store.EndWrite("k", write);
        Assert.NotNull(store.BeginFetch("k"));
    }

    [Fact]
    public void AWrittenValueIsNotKeptWhenTheKeyWasInvalidatedOrFlushedDuringTheWrite()
    {
        var store = new LocalStore(maxEntries: 10, maxBytes: 1_000_000);
        var invalidated = store.BeginWrite("a");
        store.Remove("a");   // another client wrote it meanwhile: which write the server ran last is unknown
        var flushed = store.BeginWrite("b");
        store.Clear();       // tracking was lost meanwhile

        Assert.False(store.KeepWritten("a", invalidated, [1], null));
        Assert.False(store.KeepWritten("b", flushed, [2], null));
        store.EndWrite("a", invalidated);
        store.EndWrite("b", flushed);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void TwoWritesOfOneKeyAtOnceKeepNeither()
    {
        var store = new LocalStore(maxEntries: 10, maxBytes: 1_000_000);
        var first = store.BeginWrite("k");
        var second = store.BeginWrite("k");

        Assert.False(store.KeepWritten("k", second, [2], null));
        Assert.False(store.KeepWritten("k", first, [1], null));
        store.EndWrite("k", first);
        store.EndWrite("k", second);
        Assert.False(store.TryGet("k", out _, out _));

        // Once both ended, the next write is kept again.
        var third = store.BeginWrite("k");
        Assert.True(store.KeepWritten("k", third, [3], null));
        store.EndWrite("k", third);
        Assert.True(store.TryGet("k", out var value, out _));
        Assert.Equal([3], value);
    }

    [Fact]
    public void AWrittenValueWithAnExpiryIsNotServedPastIt()
    {
        var store = new LocalStore(maxEntries: 10, maxBytes: 1_000_000);
        var expired = store.BeginWrite("expired");
        Assert.True(store.KeepWritten("expired", expired, [1], null, expiresAt: Environment.TickCount64 - 1));
        store.EndWrite("expired", expired);
        var current = store.BeginWrite("current");
        Assert.True(store.KeepWritten("current", current, [2], null, expiresAt: Environment.TickCount64 + 60_000));
        store.EndWrite("current", current);

        Assert.False(store.TryGet("expired", out _, out _));
        Assert.True(store.TryGet("current", out _, out _));
        Assert.Equal(1, store.Count);
        Assert.Equal(LocalStore.SizeOf("current", [2]), store.Bytes);
    }

    [Fact]
    public void WritesInFlightDoNotCountAgainstTheBoundsAndTheirValuesDo()
    {
        var entrySize = LocalStore.SizeOf("k0", new byte[100]);
        var store = new LocalStore(maxEntries: 2, maxBytes: entrySize * 2);
        for (var i = 0; i < 5; i++)
        {
            var write = store.BeginWrite($"k{i}");
            Assert.True(store.KeepWritten($"k{i}", write, new byte[100], null));
            store.EndWrite($"k{i}", write);
            Assert.True(store.Count <= 2);
            Assert.True(store.Bytes <= entrySize * 2);
        }

        Assert.Equal(3, store.Evictions);
    }

    [Fact]
    public void ByteAccountingStaysExactUnderConcurrentUse()
    {
        var store = new LocalStore(maxEntries: 64, maxBytes: 40_000);
        Parallel.For(0, 20_000, i =>
        {
            var key = $"k{i % 200}";
            switch (i % 6)
            {
                case 0:
                    store.Remove(key);
                    break;
                case 1:
                    if (store.BeginFetch(key) is { } token)
                    {
                        store.CompleteFetch(token, new byte[i % 1500], null);
                    }

                    break;
                case 2:
                    var write = store.BeginWrite(key);
                    store.KeepWritten(key, write, new byte[i % 1500], null);
                    store.EndWrite(key, write);
                    break;
                default:
                    store.Set(key, new byte[i % 1500], null);
                    break;
            }
        });

        Assert.True(store.Count <= 64);
        Assert.True(store.Bytes <= 40_000);
        var counted = 0L;
        for (var i = 0; i < 200; i++)
        {
            if (store.TryGet($"k{i}", out var value, out _))
            {
                counted += LocalStore.SizeOf($"k{i}", value);
            }
        }

        Assert.Equal(counted, store.Bytes);
        store.Clear();
        Assert.Equal(0, store.Bytes);
    }
}
