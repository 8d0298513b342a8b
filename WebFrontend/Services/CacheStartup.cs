namespace WebFrontend.Services;

/// <summary>
/// Before the replica serves: checks every configured connection string (a malformed one stops the start with an
/// error naming <c>ConnectionStrings:{name}</c>), then opens the cache named by <c>Cache:Name</c>, if any. The
/// AppHost sets none: its topology controller picks the cache through the admin API.
/// </summary>
internal sealed class CacheStartup(CacheConnection cache, IConfiguration configuration) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        cache.Caches.Validate();
        var name = configuration["Cache:Name"];
        if (string.IsNullOrWhiteSpace(name))
        {
            return;
        }
        if (!CacheSettings.TryParseNearCache(configuration["Cache:NearCache"], out var nearCache))
        {
            throw new InvalidOperationException($"Cache:NearCache '{configuration["Cache:NearCache"]}' is not valid: use none, coherent or tracking.");
        }
        var waitForReplicas = configuration.GetValue("Cache:WaitForReplicas", 0);
        await cache.UseAtStartAsync(new CacheSettings(name.Trim(), nearCache, waitForReplicas), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
