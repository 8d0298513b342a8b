namespace NearCaching.Internal;

/// <summary>
/// The local copies of a near cache: a dictionary plus an intrusive least-recently-used list under one lock, bounded
/// by entries and by bytes. Every operation is O(1) (a flush is O(n)); the lock is held for a few pointer moves,
/// never for I/O.
/// </summary>
/// <remarks>
/// Two kinds of work in flight guard against keeping a value that changed meanwhile:
/// <list type="bullet">
/// <item>A read in flight holds a placeholder entry. An invalidation (or a flush, or a write) that removes it makes
/// the read's result unwelcome, so a value that changed while it was being read is never kept.</item>
/// <item>A write in flight (<see cref="BeginWrite"/>) is counted per key outside the entries, so no invalidation,
/// flush or eviction can forget it: while it runs no read may keep a value of that key (the server sends no
/// invalidation for our own writes in Tracking mode, so a read that overtook the write would be kept forever), and
/// its value is kept afterwards only if nothing else touched the key meanwhile (no invalidation, no flush, no
/// second write of ours, whose order on the server we cannot know).</item>
/// </list>
/// </remarks>
internal sealed class LocalStore(int maxEntries, long maxBytes)
{
    /// <summary>Charged per entry on top of key and value: the entry object, the dictionary slot, the version.</summary>
    public const int EntryOverhead = 96;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Write> _writes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private Entry? _newest;
    private Entry? _oldest;
    private long _bytes;
    private long _evictions;

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

    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>The local copy and its version, if any (not a read in flight); marks it most recently used.</summary>
    public bool TryGet(string key, out byte[] value, out string? version)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Value is not null)
            {
                if (entry.ExpiresAt != 0 && Environment.TickCount64 >= entry.ExpiresAt)
                {
                    // Past the expiry it was written with: the server's key is gone (or about to be).
                    RemoveLocked(entry);
                }
                else
                {
                    MoveToNewest(entry);
                    value = entry.Value;
                    version = entry.Version;
                    return true;
                }
            }
        }

        value = null!;
        version = null;
        return false;
    }

    /// <summary>Whether a local copy of the key is held (not a read in flight); for tests.</summary>
    public bool Contains(string key)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var entry) && entry.Value is not null;
        }
    }

    /// <summary>
    /// Keeps (or replaces) a local copy unless a write of the key is in flight. Coherent mode only, where every read
    /// checks its copy anyway. False when not kept.
    /// </summary>
    public bool Set(string key, byte[] value, string? version)
    {
        var size = SizeOf(key, value);
        lock (_lock)
        {
            if (_writes.ContainsKey(key))
            {
                return false;
            }

            if (_entries.Remove(key, out var old))
            {
                Unlink(old);
                _bytes -= old.Size;
            }

            if (size > maxBytes)
            {
                return false;
            }

            var entry = new Entry(key) { Value = value, Version = version, Size = size };
            _entries[key] = entry;
            LinkNewest(entry);
            _bytes += size;
            EvictLocked(keep: entry);
            return true;
        }
    }

    /// <summary>
    /// A placeholder for a read about to be sent; null when a copy is already held, being read, or being written
    /// (then the read is not kept).
    /// </summary>
    public object? BeginFetch(string key)
    {
        var entry = new Entry(key) { Size = SizeOf(key, []) };
        lock (_lock)
        {
            if (_writes.ContainsKey(key) || !_entries.TryAdd(key, entry))
            {
                return null;
            }

            LinkNewest(entry);
            _bytes += entry.Size;
            EvictLocked(keep: entry);
            return entry;
        }
    }

    /// <summary>
    /// Fills a placeholder with the value read, unless it was removed meanwhile (invalidated, evicted, flushed,
    /// replaced by a write). A null value (the key does not exist) just removes the placeholder.
    /// </summary>
    public bool CompleteFetch(object token, byte[]? value, string? version)
    {
        var placeholder = (Entry)token;
        if (value is null || SizeOf(placeholder.Key, value) > maxBytes)
        {
            AbandonFetch(token);
            return false;
        }

        lock (_lock)
        {
            if (!_entries.TryGetValue(placeholder.Key, out var current) || current != placeholder)
            {
                return false;
            }

            var size = SizeOf(placeholder.Key, value);
            _bytes += size - placeholder.Size;
            placeholder.Value = value;
            placeholder.Version = version;
            placeholder.Size = size;
            MoveToNewest(placeholder);
            EvictLocked(keep: placeholder);
            return true;
        }
    }

    /// <summary>Removes a placeholder whose read failed or was not worth keeping.</summary>
    public void AbandonFetch(object token)
    {
        var placeholder = (Entry)token;
        lock (_lock)
        {
            if (_entries.TryGetValue(placeholder.Key, out var current) && current == placeholder)
            {
                RemoveLocked(placeholder);
            }
        }
    }

    /// <summary>
    /// Starts a write of the key: drops its local copy (or read in flight) and blocks reads from keeping a value until
    /// <see cref="EndWrite"/>. The token says whether the written value may be kept (<see cref="KeepWritten"/>).
    /// </summary>
    public object BeginWrite(string key)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                RemoveLocked(entry);
            }

            if (_writes.TryGetValue(key, out var write))
            {
                // Two writes of ours at once: which one the server ran last is unknown, so neither is kept.
                write.Count++;
                write.Spoiled = true;
            }
            else
            {
                write = new Write { Count = 1 };
                _writes.Add(key, write);
            }

            return write;
        }
    }

    /// <summary>
    /// Keeps the value a write stored, if nothing touched the key since <see cref="BeginWrite"/>; until
    /// <paramref name="expiresAt"/> (<see cref="Environment.TickCount64"/>; 0: no expiry) when the write set one.
    /// </summary>
    public bool KeepWritten(string key, object token, byte[] value, string? version, long expiresAt = 0)
    {
        var write = (Write)token;
        var size = SizeOf(key, value);
        lock (_lock)
        {
            if (write.Spoiled || write.Count != 1 || size > maxBytes
                || !_writes.TryGetValue(key, out var current) || current != write)
            {
                return false;
            }

            // Spoiled from now on: a second Keep of the same write must not replace what a later read kept.
            write.Spoiled = true;
            if (_entries.Remove(key, out var old))
            {
                Unlink(old);
                _bytes -= old.Size;
            }

            var entry = new Entry(key) { Value = value, Version = version, Size = size, ExpiresAt = expiresAt };
            _entries[key] = entry;
            LinkNewest(entry);
            _bytes += size;
            EvictLocked(keep: entry);
            return true;
        }
    }

    /// <summary>Ends a write started by <see cref="BeginWrite"/> (kept or not).</summary>
    public void EndWrite(string key, object token)
    {
        var write = (Write)token;
        lock (_lock)
        {
            if (_writes.TryGetValue(key, out var current) && current == write && --write.Count == 0)
            {
                _writes.Remove(key);
            }
        }
    }

    /// <summary>Drops the local copy (or read in flight) of a key and spoils writes in flight; true when a copy was dropped.</summary>
    public bool Remove(string key)
    {
        lock (_lock)
        {
            if (_writes.TryGetValue(key, out var write))
            {
                write.Spoiled = true;
            }

            if (!_entries.TryGetValue(key, out var entry))
            {
                return false;
            }

            RemoveLocked(entry);
            return entry.Value is not null;
        }
    }

    /// <summary>Drops everything, reads in flight included, and spoils every write in flight; returns how many copies there were.</summary>
    public int Clear()
    {
        lock (_lock)
        {
            var count = _entries.Count;
            _entries.Clear();
            foreach (var write in _writes.Values)
            {
                write.Spoiled = true;
            }

            _newest = _oldest = null;
            Interlocked.Exchange(ref _bytes, 0);
            return count;
        }
    }

    public static long SizeOf(string key, byte[] value) => EntryOverhead + (2L * key.Length) + value.Length;

    private void RemoveLocked(Entry entry)
    {
        _entries.Remove(entry.Key);
        Unlink(entry);
        _bytes -= entry.Size;
    }

    private void EvictLocked(Entry keep)
    {
        while ((_entries.Count > maxEntries || _bytes > maxBytes) && _oldest is { } oldest && oldest != keep)
        {
            RemoveLocked(oldest);
            _evictions++;
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

        /// <summary>The bytes; null while this is a placeholder for a read in flight.</summary>
        public byte[]? Value { get; set; }

        public string? Version { get; set; }

        /// <summary>When the copy stops being served (<see cref="Environment.TickCount64"/>); 0: until invalidated.</summary>
        public long ExpiresAt { get; set; }

        public long Size { get; set; }

        public Entry? Newer { get; set; }

        public Entry? Older { get; set; }
    }

    private sealed class Write
    {
        /// <summary>Writes of this key in flight.</summary>
        public int Count { get; set; }

        /// <summary>Set when anything touched the key during the write: its value must not be kept.</summary>
        public bool Spoiled { get; set; }
    }
}
