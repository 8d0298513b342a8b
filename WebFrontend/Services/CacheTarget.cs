using NearCaching;

namespace WebFrontend.Services;

/// <summary>
/// One opened cache: a multiplexer on a <c>ConnectionStrings</c> entry and, when asked for, the near cache in front
/// of it, with the requests that use it counted, so that a switch closes it once the last of them is done.
/// </summary>
public sealed class CacheTarget
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDisposable[] _tracing;
    private int _leases;
    private bool _retired;
    private string? _authenticationFailure;

    internal CacheTarget(CacheSettings settings, long generation, ConnectionMultiplexer multiplexer, NearCache? nearCache, string configuration, IDisposable[] tracing, CacheFenceServices fenceServices)
    {
        Settings = settings;
        Generation = generation;
        Multiplexer = multiplexer;
        NearCache = nearCache;
        // In Tracking mode the near cache writes through connections of its own, which the server tracks; writes
        // and the WAIT that follows them must use those.
        Database = nearCache?.Database ?? multiplexer.GetDatabase();
        Configuration = configuration;
        _tracing = tracing;
        Fence = new CacheFence(this, fenceServices);
        MastersWithoutReplicas = new MastersWithoutReplicas(fenceServices.Time);
        Fence.Watch(multiplexer);
        if (Database.Multiplexer != multiplexer)
        {
            Fence.Watch(Database.Multiplexer);
        }
    }

    /// <summary>Keeps reads off this cache while it may have lost invalidations (a master died), until they are replayed.</summary>
    public CacheFence Fence { get; }

    /// <summary>The settings it was opened with (its <see cref="CacheSettings.Name"/> is never null).</summary>
    public CacheSettings Settings { get; }

    /// <summary>The <c>ConnectionStrings</c> entry.</summary>
    public string Name => Settings.Name!;

    /// <summary>Which switch opened it (1 for the first): part of the client name its connections carry.</summary>
    public long Generation { get; }

    /// <summary>The connections.</summary>
    public ConnectionMultiplexer Multiplexer { get; }

    /// <summary>The near cache, when the settings ask for one.</summary>
    public NearCache? NearCache { get; }

    /// <summary>The database writes go through (inside <see cref="BeginWrite"/>).</summary>
    public IDatabase Database { get; }

    /// <summary>The endpoints and options, without the password.</summary>
    public string Configuration { get; }

    /// <summary>
    /// The last error that said the server refused the password, until a command succeeds again: while the client
    /// reconnects, a failing command may only say "UnableToConnect", and the health check must still say why.
    /// </summary>
    public string? AuthenticationFailure => Volatile.Read(ref _authenticationFailure);

    /// <summary>Notes a failed command (see <see cref="AuthenticationFailure"/>).</summary>
    public void Failed(Exception error)
    {
        if (CacheUnavailableException.IsAuthentication(error.Message))
        {
            Volatile.Write(ref _authenticationFailure, error.Message);
        }
    }

    /// <summary>Notes a command that succeeded.</summary>
    public void Succeeded() => Volatile.Write(ref _authenticationFailure, null);

    /// <summary>Completes once the multiplexer is closed.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Reads a string value, through the near cache when there is one; <c>ServedLocally</c> says whether its copy was served.</summary>
    public ValueTask<NearCacheRead> GetAsync(RedisKey key)
        => NearCache is { } near ? near.StringGetWithSourceAsync(key) : GetFromServerAsync(key);

    /// <summary>
    /// Starts a write of <paramref name="key"/> through <see cref="Database"/>: the near cache drops its copy now and
    /// may keep the written value (<see cref="NearCacheWrite.Keep"/>); without a near cache it does nothing.
    /// </summary>
    public NearCacheWrite BeginWrite(RedisKey key) => NearCache?.BeginWrite(key) ?? default;

    /// <summary>The server owning <paramref name="key"/>'s slot on the connections of <see cref="Database"/>.</summary>
    public IServer ServerFor(RedisKey key) => Database.Multiplexer.GetServer(key);

    /// <summary>The masters that lately confirmed too few WAITs: writes skip WAIT there until their replicas are back.</summary>
    internal MastersWithoutReplicas MastersWithoutReplicas { get; }

    /// <summary>Counts a user in; false once retired (the caller takes the new current target instead).</summary>
    internal bool TryAcquire()
    {
        lock (_lock)
        {
            if (_retired)
            {
                return false;
            }
            _leases++;
            return true;
        }
    }

    /// <summary>Counts a user out; the last one out of a retired target closes it.</summary>
    internal void Release()
    {
        bool close;
        lock (_lock)
        {
            _leases--;
            close = _retired && _leases == 0;
        }
        if (close)
        {
            _ = CloseAsync();
        }
    }

    /// <summary>No new users; closes now, or when the users in flight are done. Completes when closed.</summary>
    internal Task RetireAsync()
    {
        bool close;
        lock (_lock)
        {
            if (_retired)
            {
                return Closed;
            }
            _retired = true;
            close = _leases == 0;
        }
        if (close)
        {
            _ = CloseAsync();
        }
        return Closed;
    }

    // From the key's master only: while a master is lost, its replica may lack a tombstone the master acknowledged.
    private async ValueTask<NearCacheRead> GetFromServerAsync(RedisKey key)
        => new(await Database.StringGetAsync(key, CommandFlags.DemandMaster).ConfigureAwait(false), ServedLocally: false);

    private async Task CloseAsync()
    {
        Fence.Dispose();
        try
        {
            foreach (var registration in _tracing)
            {
                registration.Dispose();
            }
            if (NearCache is { } near)
            {
                // Before the multiplexer, as the near cache asks: it closes the connections it opened.
                await near.DisposeAsync().ConfigureAwait(false);
            }
            // Commands already written get their answers; the sockets close after them.
            await Multiplexer.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
            await Multiplexer.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _closed.TrySetResult();
        }
    }
}
