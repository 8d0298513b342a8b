namespace WebFrontend.Services;

/// <summary>
/// The cache a request uses from start to end, even if the replica switches meanwhile: the old multiplexer is
/// closed only when its last lease is disposed. <see cref="Target"/> is null when no cache is in use.
/// </summary>
public readonly struct CacheLease : IDisposable
{
    internal CacheLease(CacheTarget target) => Target = target;

    /// <summary>The cache, or null for none.</summary>
    public CacheTarget? Target { get; }

    /// <inheritdoc />
    public void Dispose() => Target?.Release();
}
