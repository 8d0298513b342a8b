using System.Collections.Concurrent;
using System.Net;

namespace WebFrontend.Services;

/// <summary>
/// The masters that lately confirmed a WAIT with too few replicas. A WAIT there would only wait out its timeout, so
/// writes skip it until the master reports enough connected replicas again (<c>INFO replication</c>, asked in the
/// background at most once per recheck period, never on a write's path).
/// </summary>
internal sealed class MastersWithoutReplicas(TimeProvider time)
{
    private readonly ConcurrentDictionary<EndPoint, Mark> _marks = new();

    /// <summary>Notes that <paramref name="server"/> confirmed fewer than it was asked to.</summary>
    public void Note(IServer server) => _marks.TryAdd(server.EndPoint, new Mark());

    /// <summary>
    /// True while <paramref name="server"/> is marked; starts a background check of its replicas when the last one is
    /// older than <paramref name="recheck"/>, which removes the mark once it has <paramref name="wanted"/>.
    /// </summary>
    public bool Contains(IServer server, int wanted, TimeSpan recheck)
    {
        if (!_marks.TryGetValue(server.EndPoint, out var mark))
        {
            return false;
        }
        var now = time.GetTimestamp();
        if (now >= Volatile.Read(ref mark.NextCheck) && Interlocked.CompareExchange(ref mark.Checking, 1, 0) == 0)
        {
            Volatile.Write(ref mark.NextCheck, now + (long)(recheck.TotalSeconds * time.TimestampFrequency));
            _ = RecheckAsync(server, wanted, mark);
        }
        return true;
    }

    private async Task RecheckAsync(IServer server, int wanted, Mark mark)
    {
        try
        {
            var info = await server.InfoAsync("replication").ConfigureAwait(false);
            var connected = info.SelectMany(g => g).FirstOrDefault(p => p.Key == "connected_slaves").Value;
            if (int.TryParse(connected, out var replicas) && replicas >= wanted)
            {
                _marks.TryRemove(new KeyValuePair<EndPoint, Mark>(server.EndPoint, mark));
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Still marked: the next write after the recheck period asks again.
        }
        finally
        {
            Volatile.Write(ref mark.Checking, 0);
        }
    }

    private sealed class Mark
    {
        public long NextCheck;
        public int Checking;
    }
}
