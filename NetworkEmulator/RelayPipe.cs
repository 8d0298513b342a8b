using System.Buffers;
using System.Net.Sockets;

namespace NetworkEmulation;

/// <summary>
/// One direction of one relayed connection: a reader thread that receives from <c>source</c> and queues chunks
/// with their due times, and the sends to <c>target</c>, made by the link direction's timing thread (or by the
/// reader itself when a chunk is already due and nothing is queued before it, which saves a cross-thread wake-up).
/// Sends never block: a target that does not read parks the pipe until an asynchronous send drains it.
/// </summary>
internal sealed class RelayPipe
{
    private const int ReadSize = 64 * 1024;

    private static long s_stampedReads;
    private static long s_unstampedReads;

    private readonly RelayConnection _connection;
    private readonly Socket _source;
    private readonly Socket _target;
    private readonly LinkDirection _link;
    private readonly Queue<Chunk> _queue = new();
    private long _queuedBytes;
    private long _lastDue;
    private bool _scheduled;
    private bool _parked;
    private bool _closed;

    public RelayPipe(RelayConnection connection, Socket source, Socket target, LinkDirection link)
    {
        _connection = connection;
        _source = source;
        _target = target;
        _link = link;
    }

    /// <summary>Reads that carried the kernel's receive timestamp, and reads timed by the clock after them.</summary>
    public static (long Stamped, long Unstamped) ReadCounts => (Interlocked.Read(ref s_stampedReads), Interlocked.Read(ref s_unstampedReads));

    /// <summary>The bytes queued now (read from the source, not yet accepted by the target).</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_queue)
            {
                return _queuedBytes;
            }
        }
    }

    public void Start(string name)
    {
        // A blocking receive per direction: the kernel's receive timestamp makes this thread's wake-up part of the
        // emulated delay instead of adding to it.
        new Thread(ReadLoop, maxStackSize: 256 * 1024) { IsBackground = true, Name = name }.Start();
    }

    /// <summary>Drops what is queued and wakes a reader waiting for room; the connection is going away.</summary>
    public void Close()
    {
        lock (_queue)
        {
            _closed = true;
            // A parked pipe's first chunk is still being sent by DrainAsync, which returns it.
            var first = true;
            while (_queue.TryDequeue(out var chunk))
            {
                if (!(first && _parked))
                {
                    chunk.Return();
                }

                first = false;
            }

            _queuedBytes = 0;
            Monitor.PulseAll(_queue);
        }
    }

    /// <summary>Sends every chunk that is due; called by the timing thread for a pipe it took off its heap.</summary>
    public void SendDue()
    {
        var outcome = Outcome.None;
        lock (_queue)
        {
            var now = Native.MonotonicNow();
            while (!_closed && _queue.TryPeek(out var chunk) && chunk.Due <= now)
            {
                outcome = Forward(chunk, now);
                if (outcome != Outcome.None)
                {
                    break;
                }
            }

            if (outcome == Outcome.None && !_closed && _queue.TryPeek(out var next))
            {
                _link.Enqueue(this, next.Due);
            }
            else if (outcome != Outcome.Parked)
            {
                _scheduled = false;
            }
        }

        Finish(outcome);
    }

    private void ReadLoop()
    {
        try
        {
            Read();
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // The connection was closed between two reads: nothing left to relay.
        }
    }

    private void Read()
    {
        var buffer = new byte[ReadSize];
        var handle = _source.SafeHandle;
        while (true)
        {
            Native.WaitReadable(handle);
            if (_connection.IsClosing)
            {
                return;
            }

            var received = Native.Receive(handle, buffer, out var arrival, out var stamped);
            if (received > 0)
            {
                Interlocked.Increment(ref stamped ? ref s_stampedReads : ref s_unstampedReads);
            }

            if (received == -Native.WouldBlock)
            {
                continue;
            }

            if (_connection.IsClosing)
            {
                return;
            }

            if (received > 0)
            {
                var copy = ArrayPool<byte>.Shared.Rent(received);
                buffer.AsSpan(0, received).CopyTo(copy);
                Admit(ChunkKind.Data, copy, received, arrival);
                continue;
            }

            // End of stream (0) or an error: ECONNRESET, and anything else a peer can do to a socket, ends as a reset.
            Admit(received == 0 ? ChunkKind.EndOfStream : ChunkKind.Reset, null, 0, arrival);
            return;
        }
    }

    private void Admit(ChunkKind kind, byte[]? buffer, int length, long arrival)
    {
        var outcome = Outcome.None;
        lock (_queue)
        {
            // Back-pressure: while this connection has a switch buffer's worth queued, the reader stops reading, the
            // kernel's receive buffer fills and TCP's window holds the writer back.
            while (_queuedBytes >= _link.BufferBytes && !_closed)
            {
                Monitor.Wait(_queue);
            }

            if (_closed)
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                return;
            }

            // Later chunks never overtake earlier ones, even right after a switch to a shorter delay.
            var due = Math.Max(_link.Schedule(length, arrival), _lastDue);
            _lastDue = due;
            var chunk = new Chunk(kind, buffer, length, due);
            _queue.Enqueue(chunk);
            _queuedBytes += chunk.Length;
            if (!_scheduled && !_parked)
            {
                var now = Native.MonotonicNow();
                if (chunk.Kind == ChunkKind.Data && _queue.Count == 1 && due <= now)
                {
                    outcome = Forward(chunk, now);
                }

                if (outcome == Outcome.None && _queue.Count > 0)
                {
                    _scheduled = true;
                    _link.Enqueue(this, _queue.Peek().Due);
                }
            }
        }

        Finish(outcome);
    }

    /// <summary>Forwards the head chunk, under the lock; what is left to do outside it is the outcome.</summary>
    private Outcome Forward(Chunk chunk, long now)
    {
        switch (chunk.Kind)
        {
            case ChunkKind.EndOfStream:
                _queue.Dequeue();
                return Outcome.EndOfStream;
            case ChunkKind.Reset:
                _queue.Dequeue();
                return Outcome.Reset;
        }

        var sending = Native.MonotonicNow();
        var sent = Native.Send(_target.SafeHandle, chunk.Remaining.Span);
        _link.RecordHop(Native.MonotonicNow() - sending);
        if (sent < 0 && sent != -Native.WouldBlock)
        {
            return Outcome.Reset;
        }

        sent = Math.Max(sent, 0);
        NetworkMetrics.Bytes.Add(sent, _link.Tags);
        if (chunk.Sent == 0)
        {
            NetworkMetrics.Lateness.Record((now - chunk.Due) / 1e9, _link.Tags);
        }

        chunk.Sent += sent;
        if (chunk.Sent < chunk.Length)
        {
            _parked = true;
            _scheduled = false;
            return Outcome.Parked;
        }

        _queue.Dequeue();
        _queuedBytes -= chunk.Length;
        chunk.Return();
        Monitor.PulseAll(_queue);
        return Outcome.None;
    }

    private void Finish(Outcome outcome)
    {
        switch (outcome)
        {
            case Outcome.EndOfStream:
                _connection.ForwardEndOfStream(_target);
                break;
            case Outcome.Reset:
                _connection.Abort();
                break;
            case Outcome.Parked:
                _ = DrainAsync();
                break;
        }
    }

    /// <summary>The target's receive window is full: one asynchronous send waits for room, then timing resumes.</summary>
    private async Task DrainAsync()
    {
        Chunk chunk;
        lock (_queue)
        {
            if (_closed || !_queue.TryPeek(out chunk!))
            {
                return;
            }
        }

        try
        {
            var remaining = chunk.Remaining;
            await _target.SendAsync(remaining, SocketFlags.None).ConfigureAwait(false);
            NetworkMetrics.Bytes.Add(remaining.Length, _link.Tags);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            chunk.Return();
            _connection.Abort();
            return;
        }

        lock (_queue)
        {
            _parked = false;
            chunk.Return();
            if (_closed)
            {
                return;
            }

            _queue.Dequeue();
            _queuedBytes -= chunk.Length;
            Monitor.PulseAll(_queue);
            if (_queue.TryPeek(out var next))
            {
                _scheduled = true;
                _link.Enqueue(this, next.Due);
            }
        }
    }

    private enum Outcome
    {
        None,
        Parked,
        EndOfStream,
        Reset,
    }
}
