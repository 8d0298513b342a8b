using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using RedisClient.Protocol;

namespace RedisClient.Internal;

/// <summary>
/// The one multiplexed connection to one endpoint. Callers queue commands; a writer loop drains the queue into the
/// socket and flushes once per batch; a reader loop matches replies to commands in FIFO order. When the socket
/// drops, every command in flight fails at once and the connection is re-established in the background with
/// back-off; nothing is resent.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(2);

    private readonly ConfigurationOptions _options;
    private readonly Func<IReadOnlyCollection<string>>? _subscriptions;
    private readonly Action<string, RedisResult>? _onMessage;
    private readonly HandshakeHook? _handshake;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Timer _timeoutSweep;
    private readonly long _timeoutTicks;
    private Session? _session;
    private int _reconnecting;
    private bool _everConnected;
    private Task _connecting = Task.CompletedTask;
    private Exception? _lastError;

    /// <summary>
    /// An interactive connection, or (with <paramref name="subscriptions"/>) a subscriber connection.
    /// <paramref name="handshake"/> runs on every new socket after AUTH and before the connection is published.
    /// </summary>
    public RedisConnection(DnsEndPoint endPoint, ConfigurationOptions options,
        Func<IReadOnlyCollection<string>>? subscriptions = null, Action<string, RedisResult>? onMessage = null,
        HandshakeHook? handshake = null)
    {
        _handshake = handshake;
        EndPoint = endPoint;
        Name = $"{endPoint.Host}:{endPoint.Port}";
        _options = options;
        _subscriptions = subscriptions;
        _onMessage = onMessage;
        _timeoutTicks = (long)(options.SyncTimeout.TotalSeconds * Stopwatch.Frequency);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(options.SyncTimeout.TotalMilliseconds / 4, 10, 1000));
        _timeoutSweep = new Timer(static state => ((RedisConnection)state!).SweepTimeouts(), this, period, period);
    }

    public DnsEndPoint EndPoint { get; }

    /// <summary>host:port, for messages and traces.</summary>
    public string Name { get; }

    public bool IsConnected => Volatile.Read(ref _session) is not null;

    /// <summary>Raised (on a pool thread) when an established connection is lost.</summary>
    public event Action<RedisConnection>? Dropped;

    /// <summary>Raised when a connection (first or re-established) is ready.</summary>
    public event Action<RedisConnection>? Connected;

    /// <summary>Connects once; throws <see cref="RedisConnectionException"/> with the reason on failure.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            Publish(await OpenSessionAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            _lastError = e;
            throw;
        }
    }

    /// <summary>Starts (or keeps) connecting in the background, with back-off between attempts.</summary>
    public void StartReconnecting(TimeSpan firstDelay)
    {
        if (_disposed.IsCancellationRequested || Interlocked.Exchange(ref _reconnecting, 1) == 1)
        {
            return;
        }

        _connecting = ReconnectLoopAsync(firstDelay);
    }

    /// <summary>Queues a command; the task completes with its reply or fails (never hangs past syncTimeout).</summary>
    public Task<RedisResult> SendAsync(PendingCommand command)
    {
        var session = Volatile.Read(ref _session);
        if (session is not null && session.TryEnqueue(command))
        {
            return command.Task;
        }

        if (session is null && !_everConnected && !_connecting.IsCompleted)
        {
            return SendWhenConnectedAsync(command);
        }

        command.TrySetException(NotConnected(command));
        return command.Task;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        await _timeoutSweep.DisposeAsync().ConfigureAwait(false);
        Interlocked.Exchange(ref _session, null)?.Fail(new ObjectDisposedException(nameof(ConnectionMultiplexer), "The ConnectionMultiplexer was disposed."));
        try
        {
            await _connecting.ConfigureAwait(false);
        }
        catch
        {
            // The reconnect loop ends with the disposal; its last error is of no interest now.
        }
    }

    private async Task<RedisResult> SendWhenConnectedAsync(PendingCommand command)
    {
        // A connection made on demand (a cluster node seen for the first time): wait for its first attempt.
        try
        {
            await _connecting.WaitAsync(_options.ConnectTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        var session = Volatile.Read(ref _session);
        if (session is null || !session.TryEnqueue(command))
        {
            command.TrySetException(NotConnected(command));
        }

        return await command.Task.ConfigureAwait(false);
    }

    private RedisConnectionException NotConnected(PendingCommand command)
        => new($"No connection to {Name} (reconnecting{(_lastError is null ? "" : " after: " + _lastError.Message)}); " +
            $"{command.Name.Text} was not sent.")
        { CommandWasNotSent = true };

    private async Task ReconnectLoopAsync(TimeSpan delay)
    {
        try
        {
            while (!_disposed.IsCancellationRequested)
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _disposed.Token).ConfigureAwait(false);
                }

                try
                {
                    var session = await OpenSessionAsync(_disposed.Token).ConfigureAwait(false);
                    Volatile.Write(ref _reconnecting, 0);
                    Publish(session);
                    return;
                }
                catch (Exception e) when (!_disposed.IsCancellationRequested)
                {
                    _lastError = e;
                    delay = TimeSpan.FromMilliseconds(Math.Min(Math.Max(delay.TotalMilliseconds * 2, 50), s_maxBackoff.TotalMilliseconds));
                }
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        finally
        {
            if (_disposed.IsCancellationRequested)
            {
                Volatile.Write(ref _reconnecting, 0);
            }
        }
    }

    private void Publish(Session session)
    {
        if (_disposed.IsCancellationRequested)
        {
            session.Fail(new ObjectDisposedException(nameof(ConnectionMultiplexer)));
            return;
        }

        _lastError = null;
        _everConnected = true;
        Volatile.Write(ref _session, session);
        if (session.IsFailed)
        {
            OnSessionFailed(session);
            return;
        }

        Connected?.Invoke(this);
    }

    private void OnSessionFailed(Session session)
    {
        if (Interlocked.CompareExchange(ref _session, null, session) != session)
        {
            return;
        }

        _lastError = session.FailReason;
        Dropped?.Invoke(this);
        StartReconnecting(TimeSpan.Zero);
    }

    private void SweepTimeouts() => Volatile.Read(ref _session)?.SweepTimeouts(Stopwatch.GetTimestamp(), _timeoutTicks, _options.SyncTimeout);

    private async Task<Session> OpenSessionAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(EndPoint.Host, EndPoint.Port, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_disposed.IsCancellationRequested)
        {
            socket.Dispose();
            throw new RedisConnectionException($"Connecting to {Name} timed out after {_options.ConnectTimeout.TotalMilliseconds} ms (connectTimeout).");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new RedisConnectionException($"Could not connect to {Name}: {e.Message}. Check that the server runs and the endpoint in the connection string is right.", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var session = new Session(this, socket);
        session.Start();
        try
        {
            if (_options.Password is not null)
            {
                RedisValue[] args = _options.User is null ? [_options.Password] : [_options.User, _options.Password];
                try
                {
                    await HandshakeAsync(session, CommandName.Auth, args, timeout.Token).ConfigureAwait(false);
                }
                catch (RedisServerException e)
                {
                    throw new RedisConnectionException(
                        $"Authentication to {Name} failed: {e.Message}. Check the password (and user) in the connection string.", e);
                }
            }

            if (_options.ClientName is not null)
            {
                try
                {
                    await HandshakeAsync(session, CommandName.Client, ["SETNAME", _options.ClientName], timeout.Token).ConfigureAwait(false);
                }
                catch (RedisServerException)
                {
                    // A Redis-protocol server without CLIENT SETNAME (some are) is still usable.
                }
            }

            if (_handshake is not null)
            {
                await _handshake(this, (name, args) => HandshakeAsync(session, name, args, timeout.Token)).ConfigureAwait(false);
            }

            if (_subscriptions is null)
            {
                try
                {
                    await HandshakeAsync(session, CommandName.Ping, [], timeout.Token).ConfigureAwait(false);
                }
                catch (RedisServerException e) when (e.Message.StartsWith("NOAUTH", StringComparison.Ordinal))
                {
                    throw new RedisConnectionException(
                        $"{Name} requires a password: add password=... (and user=... for an ACL user) to the connection string.", e);
                }
            }
            else
            {
                foreach (var channel in _subscriptions())
                {
                    await HandshakeAsync(session, CommandName.Subscribe, [channel], timeout.Token).ConfigureAwait(false);
                }
            }

            return session;
        }
        catch (Exception e)
        {
            session.Fail(e);
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested && !_disposed.IsCancellationRequested)
            {
                throw new RedisConnectionException($"{Name} accepted the connection but did not answer the handshake within {_options.ConnectTimeout.TotalMilliseconds} ms (connectTimeout).", e);
            }

            throw;
        }
    }

    private static async Task<RedisResult> HandshakeAsync(Session session, CommandName name, RedisValue[] args, CancellationToken cancellationToken)
    {
        var command = new PendingCommand(name, args);
        if (!session.TryEnqueue(command))
        {
            throw session.FailReason ?? new RedisConnectionException("The connection closed during the handshake.");
        }

        return await command.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One socket's life: from connect to drop. A new one is made for every reconnect.</summary>
    private sealed class Session
    {
        // Flush before the batch grows past this, so a burst of large values does not buffer without bound.
        private const int MaxUnflushed = 512 * 1024;

        private readonly RedisConnection _owner;
        private readonly Socket _socket;
        private readonly PipeReader _input;
        private readonly PipeWriter _output;
        private readonly Channel<PendingCommand> _writes = Channel.CreateUnbounded<PendingCommand>(
            new UnboundedChannelOptions { SingleReader = false, SingleWriter = false, AllowSynchronousContinuations = true });
        private readonly ConcurrentQueue<PendingCommand> _pending = new();
        private readonly Lock _sync = new();
        private long _streamOffset;
        private long _flushStartedAt;
        private volatile bool _failed;

        public Session(RedisConnection owner, Socket socket)
        {
            _owner = owner;
            _socket = socket;
            var stream = new NetworkStream(socket, ownsSocket: true);
            _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 128 * 1024, minimumReadSize: 64 * 1024));
            _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024));
        }

        public bool IsFailed => _failed;

        public Exception? FailReason { get; private set; }

        public void Start()
        {
            _ = Task.Run(WriteLoopAsync);
            _ = Task.Run(ReadLoopAsync);
        }

        /// <summary>
        /// Hands the command to the writer. When the writer is idle its loop continues right here on the caller's
        /// thread (synchronous continuations), so a lone caller's command goes to the socket without a thread hop.
        /// </summary>
        public bool TryEnqueue(PendingCommand command)
        {
            command.EnqueuedAt = Stopwatch.GetTimestamp();
            return _writes.Writer.TryWrite(command);
        }

        public void Fail(Exception reason)
        {
            lock (_sync)
            {
                if (_failed)
                {
                    return;
                }

                FailReason = reason;
                _failed = true;
                _writes.Writer.TryComplete();
            }

            FailAll();
            _socket.Dispose();
            _owner.OnSessionFailed(this);
        }

        public void SweepTimeouts(long now, long timeoutTicks, TimeSpan timeout)
        {
            // A write that has not finished within the timeout means the socket is stuck: give up on it entirely.
            var flushStarted = Volatile.Read(ref _flushStartedAt);
            if (flushStarted != 0 && now - flushStarted > timeoutTicks)
            {
                Fail(new RedisConnectionException(
                    $"Writing to {_owner.Name} has been blocked for more than {timeout.TotalMilliseconds} ms (syncTimeout); the connection is dropped."));
                return;
            }

            foreach (var command in _pending)
            {
                if (command.Task.IsCompleted)
                {
                    continue;
                }

                // Commands are written in time order: the first one not yet expired ends the sweep.
                if (now - command.EnqueuedAt < timeoutTicks)
                {
                    break;
                }

                command.TrySetException(new RedisTimeoutException(
                    $"No reply to {command.Name.Text} from {_owner.Name} within {timeout.TotalMilliseconds} ms (syncTimeout); " +
                    $"{_pending.Count} commands awaiting replies on this connection. Raise syncTimeout in the connection string if the server is just slow."));
            }
        }

        private void FailAll()
        {
            // One exception for every command in flight: a drop with a thousand callers should not make a thousand.
            var reason = FailReason!;
            var error = reason as RedisConnectionException ?? new RedisConnectionException(
                $"The connection to {_owner.Name} was lost ({reason.Message}). Commands in flight failed and were not retried; " +
                "a write among them may or may not have been applied.", reason);
            while (_writes.Reader.TryRead(out var unsent))
            {
                unsent.TrySetException(error);
            }

            while (_pending.TryDequeue(out var command))
            {
                command.TrySetException(error);
            }
        }

        private async Task WriteLoopAsync()
        {
            var reader = _writes.Reader;
            try
            {
                while (await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (reader.TryRead(out var command))
                    {
                        if (command.Task.IsCompleted)
                        {
                            // Cancelled or timed out before it was sent: not sent, so no reply to wait for.
                            continue;
                        }

                        // Pending before written: the reply cannot arrive before the reader knows whom it is for.
                        if (command.Asking)
                        {
                            _pending.Enqueue(new PendingCommand(CommandName.Asking, []));
                            RespWriter.WriteCommand(_output, CommandName.Asking, []);
                        }

                        _pending.Enqueue(command);
                        RespWriter.WriteCommand(_output, command.Name, command.Args);
                        if (_output.UnflushedBytes > MaxUnflushed)
                        {
                            await FlushAsync().ConfigureAwait(false);
                        }
                    }

                    await FlushAsync().ConfigureAwait(false);
                    if (_failed)
                    {
                        // Failed while this batch was written: its commands joined the queue after the drain.
                        FailAll();
                    }
                }
            }
            catch (Exception e)
            {
                Fail(e);

                // Commands this loop queued after Fail's drain must not wait for a reply that cannot come.
                FailAll();
            }
        }

        private async ValueTask FlushAsync()
        {
            var flush = _output.FlushAsync();
            FlushResult result;
            if (flush.IsCompletedSuccessfully)
            {
                result = flush.Result;
            }
            else
            {
                Volatile.Write(ref _flushStartedAt, Stopwatch.GetTimestamp());
                result = await flush.ConfigureAwait(false);
                Volatile.Write(ref _flushStartedAt, 0);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                throw new RedisConnectionException($"The connection to {_owner.Name} was closed while writing.");
            }
        }

        private async Task ReadLoopAsync()
        {
            try
            {
                while (true)
                {
                    var result = await _input.ReadAsync().ConfigureAwait(false);
                    var buffer = result.Buffer;
                    var consumed = ProcessReplies(buffer);
                    _input.AdvanceTo(consumed, buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        throw new RedisConnectionException(
                            $"{_owner.Name} closed the connection. Commands in flight failed and were not retried; a write among them may or may not have been applied.");
                    }
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }
        }

        private SequencePosition ProcessReplies(ReadOnlySequence<byte> buffer)
        {
            var reader = new SequenceReader<byte>(buffer);
            while (true)
            {
                var attempt = reader;
                if (!RespParser.TryRead(ref attempt, _streamOffset, out var reply))
                {
                    break;
                }

                reader = attempt;
                Dispatch(reply);
            }

            // The parser reports offsets from this buffer's start plus the bytes consumed before it.
            _streamOffset += reader.Consumed;
            return reader.Position;
        }

        private void Dispatch(RedisResult reply)
        {
            if (_owner._onMessage is not null && TryDeliverMessage(reply))
            {
                return;
            }

            if (_pending.TryDequeue(out var command))
            {
                command.Complete(reply, _owner.EndPoint);
                return;
            }

            throw new RedisProtocolException(
                $"{_owner.Name} sent a reply ({reply.Type}) while no command was waiting for one; the stream is out of step and is dropped.");
        }

        private bool TryDeliverMessage(RedisResult reply)
        {
            // RESP2 pub/sub: ["message", channel, payload] or ["pmessage", pattern, channel, payload].
            if (reply.Type != RedisResultType.Array || reply.Items is not { Count: >= 3 } items)
            {
                return false;
            }

            var kind = items[0].Value.ToString();
            if (kind == "message" && items.Count == 3)
            {
                Deliver(items[1].Value.ToString(), items[2]);
                return true;
            }

            if (kind == "pmessage" && items.Count == 4)
            {
                Deliver(items[2].Value.ToString(), items[3]);
                return true;
            }

            return false;
        }

        private void Deliver(string channel, RedisResult message)
        {
            try
            {
                _owner._onMessage!(channel, message);
            }
            catch
            {
                // A failing handler must not take the subscriber connection down with it.
            }
        }
    }
}
