namespace Hosting.Cluster;

/// <summary>A minimal hot observable: every subscriber sees the events raised after it subscribed.</summary>
internal sealed class ClusterEventStream : IObservable<ClusterOperationEvent>
{
    private readonly object _lock = new();
    private IObserver<ClusterOperationEvent>[] _observers = [];

    public IDisposable Subscribe(IObserver<ClusterOperationEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_lock)
        {
            _observers = [.. _observers, observer];
        }

        return new Subscription(this, observer);
    }

    public void Publish(ClusterOperationEvent value)
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            observer.OnNext(value);
        }
    }

    public void Complete()
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            observer.OnCompleted();
        }
    }

    private void Unsubscribe(IObserver<ClusterOperationEvent> observer)
    {
        lock (_lock)
        {
            _observers = _observers.Where(o => !ReferenceEquals(o, observer)).ToArray();
        }
    }

    private sealed class Subscription(ClusterEventStream stream, IObserver<ClusterOperationEvent> observer) : IDisposable
    {
        public void Dispose() => stream.Unsubscribe(observer);
    }
}
