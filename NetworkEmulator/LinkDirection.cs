using System.Diagnostics;
using System.Net.Sockets;

namespace NetworkEmulation;

/// <summary>
/// One direction of one link: the wire every connection of the link shares (so four connections cannot get four
/// times the rate), and the one timing thread that forwards their chunks when due. The thread sleeps on an
/// absolute deadline with 1 ns timer slack until shortly before the earliest chunk is due, then spins: sleeping
/// alone wakes tens of µs late on a loaded VM, and a spinning thread per connection would cost a core.
/// </summary>
internal sealed class LinkDirection : IDisposable
{
    // Woken this long before a deadline, the thread spins the rest: the kernel's wake-up lag measured here
    // (~20 µs at p50, up to ~60-90 µs at p99 on two loaded cores); 15 µs was not enough.
    private const long SpinNanoseconds = 30_000;

    private readonly object _heapLock = new();
    private readonly object _wireLock = new();
    private readonly PriorityQueue<RelayPipe, long> _due = new();
    private readonly Thread _thread;
    private readonly TagList _tags;
    private volatile LinkProfile _profile;
    private long _linkFree;
    private long _hop;
    private bool _stopped;

    public LinkDirection(string link, string direction, LinkProfile profile)
    {
        _profile = profile;
        _tags = new TagList { { "network.link", link }, { "network.direction", direction } };
        _thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = $"link {link} {direction}" };
        _thread.Start();
    }

    public ref readonly TagList Tags => ref _tags;

    public LinkProfile Profile
    {
        get => _profile;
        set => _profile = value;
    }

    /// <summary>
    /// The bytes one connection may have queued in this direction before its reader stops reading (and TCP holds the
    /// writer back): 2 ms at the link's rate, at least 256 KB (250 KB at 1 Gbit/s, 2.5 MB at 10 Gbit/s), like a
    /// LAN switch's buffer for one port; enough that a reader descheduled for a millisecond does not idle the wire.
    /// </summary>
    public int BufferBytes
    {
        get
        {
            var rate = _profile.RateBitsPerSecond;
            return rate == 0 ? 1 << 20 : (int)Math.Clamp(rate / 8 / 500, 256 * 1024, 16 << 20);
        }
    }

    /// <summary>
    /// Puts <paramref name="size"/> bytes that reached the link at <paramref name="arrival"/> on the wire: they start
    /// when the wire is free, take size ÷ rate to transmit, and are due one delay after the last bit left.
    /// </summary>
    public long Schedule(int size, long arrival)
    {
        var profile = _profile;
        var transmit = profile.RateBitsPerSecond == 0 ? 0 : size * 8L * 1_000_000_000L / profile.RateBitsPerSecond;
        long start;
        long finish;
        lock (_wireLock)
        {
            start = Math.Max(arrival, _linkFree);
            finish = start + transmit;
            _linkFree = finish;
        }

        if (size > 0)
        {
            NetworkMetrics.QueuedDelay.Record((start - arrival) / 1e9, _tags);
        }

        // The relay's own hop to the receiver costs a send (on loopback the kernel delivers within it): taken off
        // the delay, so that the receiver sees the configured delay and not delay + hop.
        var delay = profile.Delay.Ticks * (1_000_000_000L / TimeSpan.TicksPerSecond);
        return finish + Math.Max(0, delay - Volatile.Read(ref _hop));
    }

    /// <summary>A moving average of how long a send to a receiver takes (1/16 per sample, capped at 50 µs).</summary>
    public void RecordHop(long nanoseconds)
    {
        var hop = Volatile.Read(ref _hop);
        Volatile.Write(ref _hop, hop + (Math.Min(nanoseconds, 50_000) - hop) / 16);
    }

    /// <summary>Hands the timing thread a pipe whose first chunk is due at <paramref name="due"/>.</summary>
    public void Enqueue(RelayPipe pipe, long due)
    {
        lock (_heapLock)
        {
            _due.Enqueue(pipe, due);
            // Only a thread that found nothing to do waits on the monitor; one sleeping on a deadline wakes by itself.
            if (_due.Count == 1)
            {
                Monitor.Pulse(_heapLock);
            }
        }
    }

    public void Dispose()
    {
        lock (_heapLock)
        {
            _stopped = true;
            Monitor.PulseAll(_heapLock);
        }

        _thread.Join();
    }

    private void Run()
    {
        Native.SetMinimalTimerSlack();
        while (true)
        {
            long due;
            lock (_heapLock)
            {
                while (_due.Count == 0 && !_stopped)
                {
                    Monitor.Wait(_heapLock);
                }

                if (_stopped)
                {
                    return;
                }

                _due.TryPeek(out _, out due);
            }

            // A chunk enqueued meanwhile is due no earlier (the wire is shared and the delay is the same), except
            // right after a switch to a shorter delay: then it waits for this deadline, and is late once.
            WaitUntil(due);
            RelayPipe? pipe;
            lock (_heapLock)
            {
                if (!_due.TryPeek(out pipe, out due) || due > Native.MonotonicNow())
                {
                    continue;
                }

                _due.Dequeue();
            }

            try
            {
                pipe.SendDue();
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                // Its sockets were closed under it: the connection is ending, the link goes on.
            }
        }
    }

    private static void WaitUntil(long due)
    {
        var now = Native.MonotonicNow();
        if (due - now > SpinNanoseconds)
        {
            Native.SleepUntil(due - SpinNanoseconds);
        }

        while (Native.MonotonicNow() < due)
        {
            Thread.SpinWait(10);
        }
    }
}
