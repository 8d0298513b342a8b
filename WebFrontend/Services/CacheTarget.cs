namespace WebFrontend.Services;

/// <summary>
/// One opened cache: a multiplexer on a <c>ConnectionStrings</c> entry (and, later, its near cache), with the
/// requests that use it counted, so that a switch closes it once the last of them is done.
/// </summary>
public sealed class CacheTarget
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDisposable? _tracing;
    private int _leases;
    private bool _retired;

    internal CacheTarget(CacheSettings settings, long generation, ConnectionMultiplexer multiplexer, IDisposable? tracing, string configuration)
    {
        Settings = settings;
        Generation = generation;
        Multiplexer = multiplexer;
        Database = multiplexer.GetDatabase();
        Configuration = configuration;
        _tracing = tracing;
    }

    /// <summary>The settings it was opened with (its <see cref="CacheSettings.Name"/> is never null).</summary>
    public CacheSettings Settings { get; }

    /// <summary>The <c>ConnectionStrings</c> entry.</summary>
    public string Name => Settings.Name!;

    /// <summary>Which switch opened it (1 for the first): part of the client name its connections carry.</summary>
    public long Generation { get; }

    /// <summary>The connections.</summary>
    public ConnectionMultiplexer Multiplexer { get; }

    /// <summary>Database 0 of <see cref="Multiplexer"/>.</summary>
    public IDatabase Database { get; }

    /// <summary>The endpoints and options, without the password.</summary>
    public string Configuration { get; }

    /// <summary>Completes once the multiplexer is closed.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Reads a string value (through the near cache, when there is one).</summary>
    public Task<RedisValue> GetAsync(RedisKey key) => Database.StringGetAsync(key);

    /// <summary>Drops the near cache's local copy of <paramref name="key"/> after this replica wrote it.</summary>
    public void Forget(RedisKey key)
    {
    }

    /// <summary>The server owning <paramref name="key"/>'s slot (the one server of a standalone Redis).</summary>
    public IServer ServerFor(RedisKey key) => Multiplexer.GetServer(key);

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

    private async Task CloseAsync()
    {
        try
        {
            _tracing?.Dispose();
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
