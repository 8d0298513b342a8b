namespace NearCache.FunctionalTests;

/// <summary>
/// Waits, without timing, until a Tracking near cache has processed every invalidation of the writes another client
/// made so far: a node sends its invalidations in order on one connection, so once the invalidation of a later
/// write to a key on that node has dropped our copy, every earlier one from that node has arrived too.
/// </summary>
internal static class Settle
{
    public static async Task InvalidationsAsync(NearCaching.NearCache near, ConnectionMultiplexer writer)
    {
        if (near.Options.Mode != NearCacheMode.Tracking)
        {
            return;
        }

        var run = Guid.NewGuid().ToString("N");
        foreach (var master in writer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            // A fresh key this master owns, written through the near cache (NOLOOP: no invalidation of its own),
            // so the only invalidation it can ever get is the one of the write below.
            for (var attempt = 0; ; attempt++)
            {
                var key = Enumerable.Range(0, 100_000).Select(i => $"settle:{run}:{attempt}:{i}").First(k => writer.GetServer((RedisKey)k).EndPoint.Equals(master.EndPoint));
                await near.StringSetAsync(key, "before");
                if (!near.Store.Contains(key))
                {
                    // Not kept (tracking was re-arming): try another key.
                    Assert.True(attempt < 100, $"no copy kept on {master.EndPoint} in 100 attempts");
                    await Task.Delay(20);
                    continue;
                }

                await writer.GetDatabase().StringSetAsync(key, "after");
                await NearCacheTests.PollAsync(() => !near.Store.Contains(key), $"the invalidation of {key} on {master.EndPoint}");
                break;
            }
        }
    }
}
