namespace WebFrontend.Services;

/// <summary>
/// Connects to the cache while the replica starts, so that the first requests do not pay for the connection
/// (or, on a busy machine, time out on it and bypass the cache). A cache that is down does not stop the start.
/// </summary>
internal sealed class CacheWarmup(CacheConnection cache, ILogger<CacheWarmup> logger) : IHostedService
{
    private static readonly TimeSpan s_maxWait = TimeSpan.FromSeconds(5);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_maxWait);
            await cache.GetDatabaseAsync(timeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("The cache is not reachable at start, reads bypass it until it is: {Message}", ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
