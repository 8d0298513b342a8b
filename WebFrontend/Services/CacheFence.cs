using System.Diagnostics.Metrics;
using System.Net;

namespace WebFrontend.Services;

/// <summary>
/// Keeps this replica's reads off a cache that may have lost invalidations, until they are replayed from the
/// database. A Redis master acknowledges a tombstone before its replica has it; when the master dies, the replica
/// promoted in its place can still hold the version the tombstone replaced, and would serve it to every replica of
/// the storefront. The database is the record of every write (CatalogApi lists the products written recently), so
/// the lost tombstones can be written again: the way "Scaling Memcache at Facebook" (NSDI 2013) replays lost deletes
/// from the commit log.
/// </summary>
/// <remarks>
/// <para>
/// Closed by a master's connection dropping (before the cluster can promote a replica: the promotion waits for the
/// node timeout, the dropped socket is seen at once) and by an invalidation this replica could not write. While
/// closed, reads go to CatalogApi and nothing is filled. It opens again only after the cache has looked whole
/// (every slot owned by a master this replica is connected to) for <see cref="CacheOptions.FenceSettle"/>
/// (time for every replica's client to learn the promotion, so a write acknowledged after the replay cannot fail its
/// invalidation against the dead master) and a tombstone was written again for every product written since
/// <see cref="CacheOptions.ReplayWindow"/> before the fence closed.
/// </para>
/// <para>
/// Known limit: an invalidation that fails while the cache looks whole to the other replicas (a timeout with no
/// node lost) fences only the replica that wrote; the others keep the old entry until its TTL, as before.
/// </para>
/// </remarks>
public sealed class CacheFence : IDisposable
{
    private static readonly Counter<long> s_fenced = ProductService.Meter.CreateCounter<long>(
        "webfrontend.cache.fences", "{fence}", "Times the cache was fenced off (reads bypass it until lost invalidations are replayed).");

    private static readonly Counter<long> s_replayed = ProductService.Meter.CreateCounter<long>(
        "webfrontend.cache.replayed_invalidations", "{invalidation}", "Tombstones written again from CatalogApi's recent changes before a fence opened.");

    private readonly CacheTarget _target;
    private readonly CacheFenceServices _services;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<EndPoint, byte> _lost = new();
    private long _closedAt;
    private int _episode;
    private string? _reason;
    private bool _disposed;

    internal CacheFence(CacheTarget target, CacheFenceServices services)
    {
        _target = target;
        _services = services;
    }

    /// <summary>True while reads may use the cache.</summary>
    public bool IsOpen => Volatile.Read(ref _closedAt) == 0;

    /// <summary>Why the fence is closed, or null when open.</summary>
    public string? Reason
    {
        get
        {
            lock (_lock)
            {
                return _closedAt == 0 ? null : _reason;
            }
        }
    }

    /// <summary>
    /// Fences the cache off (or keeps it fenced, and makes the repair start over): reads bypass it until the lost
    /// invalidations are replayed.
    /// </summary>
    public void Close(string reason)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _episode++;
            if (_closedAt != 0)
            {
                return;
            }
            Volatile.Write(ref _closedAt, _services.Time.GetTimestamp());
            _reason = reason;
            s_fenced.Add(1, new KeyValuePair<string, object?>("cache", _target.Name));
            _services.Logger.LogWarning("Cache '{Cache}' fenced: {Reason}; reads go to CatalogApi until the invalidations of the last {Window} are replayed",
                _target.Name, reason, _services.Options.CurrentValue.ReplayWindow);
            _ = Task.Run(RepairAsync);
        }
    }

    /// <summary>
    /// Watches <paramref name="multiplexer"/>: losing the connection to a node that was a master closes the fence,
    /// once until that connection is restored (the failed reconnects of a node already lost would otherwise keep the
    /// fence closed while the cluster serves without it). Either failure type can come first: a dropped idle socket
    /// may only be noticed as a failed reconnect.
    /// </summary>
    internal void Watch(IConnectionMultiplexer multiplexer)
    {
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType != ConnectionType.Interactive || e.FailureType == ConnectionFailureType.ConnectionDisposed
                || e.EndPoint is not { } endPoint || IsKnownReplica(multiplexer, endPoint))
            {
                return;
            }
            if (_lost.TryAdd(endPoint, 0))
            {
                Close($"lost the connection to {Format(endPoint)} ({e.FailureType})");
            }
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && e.EndPoint is { } endPoint)
            {
                _lost.TryRemove(endPoint, out var _);
            }
        };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        _stop.Cancel();
    }

    private async Task RepairAsync()
    {
        var options = _services.Options.CurrentValue;
        long wholeSince = 0;
        while (true)
        {
            try
            {
                await Task.Delay(options.FenceRepairInterval, _services.Time, _stop.Token).ConfigureAwait(false);
                if (!await LooksWholeAsync().ConfigureAwait(false))
                {
                    wholeSince = 0;
                    await RefreshTopologyAsync(options).ConfigureAwait(false);
                    continue;
                }
                if (wholeSince == 0)
                {
                    wholeSince = _services.Time.GetTimestamp();
                }
                if (_services.Time.GetElapsedTime(wholeSince) < options.FenceSettle)
                {
                    continue;
                }

                int episode;
                long closedAt;
                lock (_lock)
                {
                    episode = _episode;
                    closedAt = _closedAt;
                }
                var lookBack = _services.Time.GetElapsedTime(closedAt) + options.ReplayWindow;
                var replayed = await ReplayAsync(lookBack, options).ConfigureAwait(false);
                lock (_lock)
                {
                    if (episode != _episode)
                    {
                        // Closed again meanwhile (another node lost, an invalidation failed): the replay may have missed it.
                        continue;
                    }
                    var fencedFor = _services.Time.GetElapsedTime(_closedAt);
                    Volatile.Write(ref _closedAt, 0);
                    _reason = null;
                    _services.Logger.LogInformation("Cache '{Cache}' open again after {Elapsed:0.0} s: {Count} invalidations replayed",
                        _target.Name, fencedFor.TotalSeconds, replayed);
                    return;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                wholeSince = 0;
                _services.Logger.LogInformation("Cache '{Cache}' stays fenced: {Message}", _target.Name, ex.Message);
                try
                {
                    await RefreshTopologyAsync(options).ConfigureAwait(false);
                }
                catch (Exception refresh) when (refresh is not OutOfMemoryException)
                {
                    // The next round tries again.
                }
            }
        }
    }

    // Learns a promotion now rather than at the client's next periodic check; in Tracking mode the near cache writes
    // through a multiplexer of its own, which must learn it too.
    private async Task RefreshTopologyAsync(CacheOptions options)
    {
        await _target.Multiplexer.ConfigureAsync().WaitAsync(options.Timeout * 4, _stop.Token).ConfigureAwait(false);
        if (_target.Database.Multiplexer is ConnectionMultiplexer writer && writer != _target.Multiplexer)
        {
            await writer.ConfigureAsync().WaitAsync(options.Timeout * 4, _stop.Token).ConfigureAwait(false);
        }
    }

    // Every slot is owned by a master that is not failing and that this replica is connected to (a standalone
    // server: connected and answering).
    private async Task<bool> LooksWholeAsync()
    {
        var multiplexer = _target.Multiplexer;
        var timeout = _services.Options.CurrentValue.Timeout;
        var connected = multiplexer.GetServers().FirstOrDefault(s => s.IsConnected && !s.IsReplica);
        if (connected is null)
        {
            return false;
        }
        if (connected.ServerType != ServerType.Cluster)
        {
            await connected.PingAsync().WaitAsync(timeout, _stop.Token).ConfigureAwait(false);
            return true;
        }

        // CLUSTER NODES through Execute: the typed call needs admin mode, which the storefront's connections do not have.
        var nodes = (string?)await connected.ExecuteAsync("CLUSTER", "NODES").WaitAsync(timeout, _stop.Token).ConfigureAwait(false);
        var covered = 0;
        foreach (var line in (nodes ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // <id> <ip:port@bus[,hostname]> <flags> <master id> <ping> <pong> <epoch> <link> <slot> <slot> ...
            var fields = line.Split(' ');
            if (fields.Length < 9 || !fields[2].Contains("master", StringComparison.Ordinal))
            {
                continue;
            }
            if (fields[2].Contains("fail", StringComparison.Ordinal) || !IsConnected(multiplexer, fields[1]))
            {
                return false;
            }
            for (var i = 8; i < fields.Length; i++)
            {
                covered += SlotCount(fields[i]);
            }
        }
        return covered == 16384;
    }

    private static bool IsConnected(ConnectionMultiplexer multiplexer, string address)
    {
        var end = address.IndexOfAny(['@', ',']);
        var hostAndPort = end < 0 ? address : address[..end];
        var colon = hostAndPort.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(hostAndPort.AsSpan(colon + 1), out var port))
        {
            return false;
        }
        EndPoint endPoint = IPAddress.TryParse(hostAndPort.AsSpan(0, colon), out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(hostAndPort[..colon], port);
        try
        {
            return multiplexer.GetServer(endPoint).IsConnected;
        }
        catch (ArgumentException)
        {
            // A node this client has not met yet: not connected (the next topology refresh meets it).
            return false;
        }
    }

    // "5461-10922" or "42"; "[42->-id]" (a slot being moved) counts where it is owned, on its own line.
    private static int SlotCount(string field)
    {
        if (field.StartsWith('['))
        {
            return 0;
        }
        var dash = field.IndexOf('-', StringComparison.Ordinal);
        return dash < 0
            ? int.TryParse(field, out _) ? 1 : 0
            : int.TryParse(field.AsSpan(0, dash), out var from) && int.TryParse(field.AsSpan(dash + 1), out var to) ? to - from + 1 : 0;
    }

    // A tombstone for every product CatalogApi says was written in the last `lookBack`: unless the key already holds
    // that version or a newer one, so a copy filled from the database since is kept. Every one must be written.
    private async Task<int> ReplayAsync(TimeSpan lookBack, CacheOptions options)
    {
        var seconds = (int)Math.Min(Math.Ceiling(lookBack.TotalSeconds), CatalogClient.MaxChangesSeconds);
        var changes = await _services.Catalog().GetChangesAsync(seconds, _stop.Token).ConfigureAwait(false);
        var writes = new Task[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            writes[i] = InvalidateAsync(ProductService.CacheKey(changes[i].Id), changes[i].Version, options);
        }
        // Issued together: StackExchange.Redis pipelines them, one round trip per master rather than one per product.
        await Task.WhenAll(writes).ConfigureAwait(false);
        s_replayed.Add(changes.Count, new KeyValuePair<string, object?>("cache", _target.Name));
        return changes.Count;
    }

    private async Task InvalidateAsync(RedisKey key, int version, CacheOptions options)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(options.Timeout * 4);
        using (_target.BeginWrite(key))
        {
            await VersionedCache.InvalidateAsync(_target.Database, key, version, options.TombstoneTtl, timeout.Token).ConfigureAwait(false);
        }
    }

    private static bool IsKnownReplica(IConnectionMultiplexer multiplexer, EndPoint endPoint)
    {
        try
        {
            return multiplexer.GetServer(endPoint).IsReplica;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Format(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        null => "a node",
        _ => endPoint.ToString() ?? "a node",
    };
}
