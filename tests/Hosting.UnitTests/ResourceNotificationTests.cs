namespace Hosting.UnitTests;

public class ResourceNotificationTests
{
    private static ResourceNotificationService Create() => new(new Dictionary<string, int> { ["web"] = 2 });

    private static ResourceSnapshot Snapshot(int replica, ResourceState state, string? message = null)
        => new() { Name = "web", ResourceType = "Project", Replica = replica, State = state, Message = message };

    [Fact]
    public async Task WaitForHealthyCompletesOnlyWhenEveryReplicaIsHealthy()
    {
        var notifications = Create();
        var wait = notifications.WaitForResourceHealthyAsync("web");
        notifications.Publish(Snapshot(0, ResourceState.Healthy));
        notifications.Publish(Snapshot(1, ResourceState.Running));
        await Task.Delay(50);
        Assert.False(wait.IsCompleted);

        notifications.Publish(Snapshot(1, ResourceState.Healthy));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitForHealthyFailsWithTheReasonWhenAReplicaFailedToStart()
    {
        var notifications = Create();
        var wait = notifications.WaitForResourceHealthyAsync("web");
        notifications.Publish(Snapshot(1, ResourceState.FailedToStart, "redis-server was not found: apt-get install redis-server"));

        var ex = await Assert.ThrowsAsync<DistributedApplicationException>(() => wait.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("apt-get install redis-server", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitingForAnUnknownResourceIsAnError()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Create().WaitForResourceHealthyAsync("nope"));
        Assert.Contains("Known resources: web", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchReplaysTheCurrentStateThenStreamsChanges()
    {
        var notifications = Create();
        notifications.Publish(Snapshot(0, ResourceState.Starting));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var seen = new List<ResourceState>();
        // The first MoveNext subscribes and replays, so the later publishes cannot race the subscription.
        await using var watch = notifications.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await watch.MoveNextAsync());
        seen.Add(watch.Current.Snapshot.State);

        notifications.Publish(Snapshot(0, ResourceState.Running));
        notifications.Publish(Snapshot(0, ResourceState.Healthy));
        while (seen[^1] != ResourceState.Healthy && await watch.MoveNextAsync())
        {
            seen.Add(watch.Current.Snapshot.State);
        }

        Assert.Equal([ResourceState.Starting, ResourceState.Running, ResourceState.Healthy], seen);
        Assert.Equal("Healthy", notifications.GetSnapshot("web")!.Health);
    }
}
