namespace RedisClient.Internal;

/// <summary>
/// The local copies of a near cache: a dictionary plus an intrusive least-recently-used list under one lock, bounded
/// by entries and by bytes. Every operation is O(1); the lock is held for a few pointer moves, never for I/O.
/// A fetch in flight holds a placeholder: an invalidation (or a flush) that removes it makes the fetch's result
/// unwelcome, which is how a value read just before it changed is never kept.
/// </summary>
internal sealed class NearCacheStore(int maxEntries, long maxBytes)
{
    /// <summary>Charged per entry on top of key and value: the entry object, the dictionary slot, the version.</summary>
    public const int EntryOverhead = 96;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private Entry? _newest;
    private Entry? _oldest;
    private long _bytes;

    /// <summary>Called with (evicted, bytes released) outside the lock: for metrics.</summary>
    public Action<int, long>? Evicted { get; init; }

    /// <summary>Called with bytes added (negative: released) for metrics.</summary>
    public Action<long>? BytesChanged { get; init; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The local copy and its version, if any (not a fetch in flight); marks it most recently used.</summary>
    public bool TryGet(string key, out byte[] value, out string? version)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Value is not null)
            {
                MoveToNewest(entry);
                value = entry.Value;
                version = entry.Version;
                return true;
            }
        }

        value = null!;
        version = null;
        return false;
    }

    /// <summary>Keeps (or replaces) a local copy. False when it is larger than the whole budget.</summary>
    public bool Set(string key, byte[] value, string? version)
    {
        var size = SizeOf(key, value);
        if (size > maxBytes)
        {
            Remove(key);
            return false;
        }

        var entry = new Entry(key) { Value = value, Version = version, Size = size };
        List<Entry>? evicted;
        long delta;
        lock (_lock)
        {
            delta = size;
            if (_entries.Remove(key, out var old))
            {
                Unlink(old);
                delta -= old.Size;
            }

            _entries[key] = entry;
            LinkNewest(entry);
            _bytes += delta;
            evicted = EvictLocked(keep: entry);
        }

        Report(delta, evicted);
        return true;
    }

    /// <summary>A placeholder for a fetch about to be sent; null when a copy is already held or being fetched.</summary>
    public object? BeginFetch(string key)
    {
        var entry = new Entry(key) { Size = SizeOf(key, []) };
        List<Entry>? evicted;
        lock (_lock)
        {
            if (!_entries.TryAdd(key, entry))
            {
                return null;
            }

            LinkNewest(entry);
            _bytes += entry.Size;
            evicted = EvictLocked(keep: entry);
        }

        Report(entry.Size, evicted);
        return entry;
    }

    /// <summary>
    /// Fills a placeholder with the fetched value, unless it was removed meanwhile (invalidated, evicted, flushed).
    /// A null value (the key does not exist) just removes the placeholder.
    /// </summary>
    public bool CompleteFetch(object token, byte[]? value, string? version)
    {
        var placeholder = (Entry)token;
        if (value is null || SizeOf(placeholder.Key, value) > maxBytes)
        {
            AbandonFetch(token);
            return false;
        }

        List<Entry>? evicted;
        long delta;
        lock (_lock)
        {
            if (!_entries.TryGetValue(placeholder.Key, out var current) || current != placeholder)
            {
                return false;
            }

            var size = SizeOf(placeholder.Key, value);
            delta = size - placeholder.Size;
            placeholder.Value = value;
            placeholder.Version = version;
            placeholder.Size = size;
            MoveToNewest(placeholder);
            _bytes += delta;
            evicted = EvictLocked(keep: placeholder);
        }

        Report(delta, evicted);
        return true;
    }

    /// <summary>Removes a placeholder whose fetch failed or was not worth keeping.</summary>
    public void AbandonFetch(object token)
    {
        var placeholder = (Entry)token;
        lock (_lock)
        {
            if (!_entries.TryGetValue(placeholder.Key, out var current) || current != placeholder)
            {
                return;
            }

            _entries.Remove(placeholder.Key);
            Unlink(placeholder);
            _bytes -= placeholder.Size;
        }

        BytesChanged?.Invoke(-placeholder.Size);
    }

    /// <summary>Drops the local copy (or fetch in flight) of a key; true when there was one.</summary>
    public bool Remove(string key)
    {
        Entry? removed;
        lock (_lock)
        {
            if (!_entries.Remove(key, out removed))
            {
                return false;
            }

            Unlink(removed);
            _bytes -= removed.Size;
        }

        BytesChanged?.Invoke(-removed.Size);
        return true;
    }

    /// <summary>Drops everything, fetches in flight included; returns how many entries there were.</summary>
    public int Clear()
    {
        int count;
        long bytes;
        lock (_lock)
        {
            count = _entries.Count;
            bytes = _bytes;
            _entries.Clear();
            _newest = _oldest = null;
            _bytes = 0;
        }

        if (bytes != 0)
        {
            BytesChanged?.Invoke(-bytes);
        }

        return count;
    }

    public static long SizeOf(string key, byte[] value) => EntryOverhead + (2L * key.Length) + value.Length;

    private List<Entry>? EvictLocked(Entry keep)
    {
        List<Entry>? evicted = null;
        while ((_entries.Count > maxEntries || _bytes > maxBytes) && _oldest is { } oldest && oldest != keep)
        {
            _entries.Remove(oldest.Key);
            Unlink(oldest);
            _bytes -= oldest.Size;
            (evicted ??= []).Add(oldest);
        }

        return evicted;
    }

    private void Report(long delta, List<Entry>? evicted)
    {
        var released = 0L;
        if (evicted is not null)
        {
            foreach (var entry in evicted)
            {
                released += entry.Size;
            }

            Evicted?.Invoke(evicted.Count, released);
        }

        if (delta - released != 0)
        {
            BytesChanged?.Invoke(delta - released);
        }
    }

    private void MoveToNewest(Entry entry)
    {
        if (_newest == entry)
        {
            return;
        }

        Unlink(entry);
        LinkNewest(entry);
    }

    private void LinkNewest(Entry entry)
    {
        entry.Older = _newest;
        entry.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = entry;
        }

        _newest = entry;
        _oldest ??= entry;
    }

    private void Unlink(Entry entry)
    {
        if (entry.Newer is not null)
        {
            entry.Newer.Older = entry.Older;
        }
        else if (_newest == entry)
        {
            _newest = entry.Older;
        }

        if (entry.Older is not null)
        {
            entry.Older.Newer = entry.Newer;
        }
        else if (_oldest == entry)
        {
            _oldest = entry.Newer;
        }

        entry.Newer = entry.Older = null;
    }

    private sealed class Entry(string key)
    {
        public string Key { get; } = key;

        /// <summary>The bytes; null while this is a placeholder for a fetch in flight.</summary>
        public byte[]? Value { get; set; }

        public string? Version { get; set; }

        public long Size { get; set; }

        public Entry? Newer { get; set; }

        public Entry? Older { get; set; }
    }
}
