using LoadGen.Metrics;
using LoadGen.Workloads;

namespace LoadGen.Running;

public sealed partial class LoadRunner
{
    private async Task WorkerAsync(int index, CancellationToken cancellationToken)
    {
        var client = _clients[index];
        var random = new Random(unchecked((_workload.Seed * 1_000_003) + index));
        // The versions this virtual client itself wrote: a read that misses one is a "stale own read",
        // what cookie stickiness is meant to prevent.
        var ownWrites = new Dictionary<int, long>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                long intended;
                if (_workload.Mode == LoadMode.Open)
                {
                    var slot = Interlocked.Increment(ref _nextSlot) - 1;
                    intended = _startTimestamp + (long)(slot * _ticksPerRequest);
                    if (intended >= _endTimestamp)
                    {
                        return;
                    }

                    var wait = _time.GetElapsedTime(_time.GetTimestamp(), intended);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, cancellationToken);
                    }
                }
                else
                {
                    intended = _time.GetTimestamp();
                }

                if (_time.GetTimestamp() >= _endTimestamp)
                {
                    return;
                }

                var measured = intended >= _measureStartTimestamp;
                var id = _sampler.Next(random);
                if (random.NextDouble() < _workload.ReadRatio)
                {
                    await ReadAsync(client, id, intended, measured, ownWrites, cancellationToken);
                }
                else
                {
                    await WriteAsync(client, id, random, intended, measured, ownWrites, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: the request in flight is neither a success nor an error.
        }
    }

    private async Task ReadAsync(HttpClient client, int id, long intended, bool measured, Dictionary<int, long> ownWrites, CancellationToken cancellationToken)
    {
        // The read starts when it is sent: only writes acknowledged before this instant can make it stale.
        var expectation = _detector.BeginRead(id);
        var readStart = _time.GetTimestamp();
        var ownVersion = ownWrites.GetValueOrDefault(id, long.MinValue);
        try
        {
            using var response = await client.GetAsync("api/products/" + id, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var latency = _time.GetElapsedTime(intended);
            if (!response.IsSuccessStatusCode)
            {
                RecordError(isRead: true, ErrorKinds.ForStatus((int)response.StatusCode), measured);
                return;
            }

            if (!ProductResponse.TryReadVersion(body, out var version) && !ProductResponse.TryReadVersion(response.Headers, out version))
            {
                RecordError(isRead: true, ErrorKinds.BadResponse, measured);
                return;
            }

            var stale = StaleReadDetector.IsStale(expectation, version);
            var staleOwn = version < ownVersion;
            var age = stale ? _detector.StalenessAge(expectation, readStart) : TimeSpan.Zero;
            var cache = ProductResponse.CacheOutcomeOf(response.Headers);
            var servedBy = ProductResponse.FirstValue(response.Headers, "X-Served-By");
            _current.Counters.RecordRead(latency, cache, servedBy, stale, staleOwn, age);
            _observer?.OnRead(latency, cache, stale, staleOwn);
            if (measured)
            {
                _run.RecordRead(latency, cache, servedBy, stale, staleOwn, age);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException)
        {
            RecordError(isRead: true, ex is HttpRequestException http ? ErrorKinds.ForException(http) : ErrorKinds.Timeout, measured);
        }
    }

    private async Task WriteAsync(HttpClient client, int id, Random random, long intended, bool measured, Dictionary<int, long> ownWrites, CancellationToken cancellationToken)
    {
        try
        {
            using var content = PriceBody(random);
            using var response = await client.PutAsync("api/products/" + id + "/price", content, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var latency = _time.GetElapsedTime(intended);
            if (!response.IsSuccessStatusCode)
            {
                // A failed write is never acknowledged: it cannot make a later read stale.
                RecordError(isRead: false, ErrorKinds.ForStatus((int)response.StatusCode), measured);
                return;
            }

            if (!ProductResponse.TryReadVersion(body, out var version) && !ProductResponse.TryReadVersion(response.Headers, out version))
            {
                RecordError(isRead: false, ErrorKinds.BadResponse, measured);
                return;
            }

            _detector.WriteAcknowledged(id, version);
            if (version > ownWrites.GetValueOrDefault(id, long.MinValue))
            {
                ownWrites[id] = version;
            }

            var servedBy = ProductResponse.FirstValue(response.Headers, "X-Served-By");
            _current.Counters.RecordWrite(latency, servedBy);
            _observer?.OnWrite(latency);
            if (measured)
            {
                _run.RecordWrite(latency, servedBy);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException)
        {
            RecordError(isRead: false, ex is HttpRequestException http ? ErrorKinds.ForException(http) : ErrorKinds.Timeout, measured);
        }
    }

    private void RecordError(bool isRead, string kind, bool measured)
    {
        _current.Counters.RecordError(isRead, kind);
        _observer?.OnError(isRead, kind);
        if (measured)
        {
            _run.RecordError(isRead, kind);
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        Interval? previous = null;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                // Swap the second, but publish it one tick later: a client that took the old interval just before the
                // swap may still be recording into it, and a second later it certainly is not.
                var ended = Interlocked.Exchange(ref _current, new Interval(_time.GetTimestamp(), _time.GetUtcNow()));
                if (previous is not null)
                {
                    PublishInterval(previous, ended.StartTimestamp);
                }

                previous = ended;
                if (_state == RunState.Warmup && _time.GetTimestamp() >= _measureStartTimestamp)
                {
                    _state = RunState.Running;
                }

                await SampleDatabaseAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        if (previous is not null)
        {
            PublishInterval(previous, _current.StartTimestamp);
        }
    }

    private void PublishInterval(Interval interval) => PublishInterval(interval, _time.GetTimestamp());

    private void PublishInterval(Interval interval, long endTimestamp)
    {
        var c = interval.Counters;
        var seconds = _time.GetElapsedTime(interval.StartTimestamp, endTimestamp).TotalSeconds;
        if (seconds <= 0.001 && c.Reads + c.Writes + c.ReadErrors + c.WriteErrors == 0)
        {
            return;
        }

        var scale = 1 / Math.Max(seconds, 0.001);
        var second = (int)Math.Floor(_time.GetElapsedTime(_measureStartTimestamp, interval.StartTimestamp).TotalSeconds + 0.5);
        if (interval.StartTimestamp < _measureStartTimestamp)
        {
            second = -(int)Math.Ceiling(_time.GetElapsedTime(interval.StartTimestamp, _measureStartTimestamp).TotalSeconds - 0.5);
        }

        var stats = new SecondStats(
            second,
            interval.StartTimestamp < _measureStartTimestamp,
            (long)Math.Round(c.Reads * scale),
            (long)Math.Round(c.Writes * scale),
            c.ReadErrors + c.WriteErrors,
            Round(c.Latency.Summarize()),
            c.Reads > 0 ? Math.Round((double)c.Hits / c.Reads, 4) : null,
            c.StaleReads,
            double.IsNaN(_dbLastRate) ? null : _dbLastRate,
            c.RequestsByReplica())
        {
            StalePercent = c.Reads > 0 ? Math.Round(100.0 * c.StaleReads / c.Reads, 3) : null,
        };
        lock (_secondsLock)
        {
            if (_seconds.Count == HistorySeconds)
            {
                _seconds.RemoveAt(0);
            }

            _seconds.Add(stats);
        }

        _observer?.OnSecond(stats, interval.StartedAt);
    }

    private async Task SampleDatabaseAsync(CancellationToken cancellationToken)
    {
        if (_catalog is null)
        {
            return;
        }

        long? calls;
        try
        {
            calls = await _catalog.GetReadCallsAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (calls is not { } value)
        {
            return;
        }

        var sample = new DbSample(value, _time.GetTimestamp());
        if (_dbLast is { } last && sample.Timestamp > last.Timestamp)
        {
            _observer?.OnCatalogCalls(sample.Calls - last.Calls);
            _dbLastRate = Math.Round((sample.Calls - last.Calls) / _time.GetElapsedTime(last.Timestamp, sample.Timestamp).TotalSeconds, 1);
        }

        if (_dbAtMeasureStart is null && sample.Timestamp >= _measureStartTimestamp)
        {
            _dbAtMeasureStart = sample;
        }

        _dbLast = sample;
    }
}
