using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

/// <summary>
/// Faults on real processes: <c>kill -9</c> of a web replica, the single Redis, PostgreSQL and catalogapi, each
/// back Running and Healthy without a click; a stop someone asked for stays a stop. One AppHost start for all of them
/// (<see cref="SelfHealingCollection"/>). Every wait is bounded and on state; the time from the kill to healthy
/// again is printed, not asserted.
/// </summary>
[Collection(SelfHealingCollection.Name)]
public sealed class SelfHealingTests(SampleApp stack, ITestOutputHelper output)
{
    private static readonly TimeSpan s_bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AKilledWebReplicaCostsNoFailedGetAndComesBackByItself()
    {
        await stack.SwitchAsync("single");
        const string Victim = "webfrontend-1";
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var servedByVictim = 0;
        var requests = 0;
        using var stop = new CancellationTokenSource();
        async Task ReadAsync()
        {
            using var lb = stack.CreateLoadBalancerClient();
            // Bounded: at most 50,000 GETs per client, only to 127.0.0.1.
            for (var i = 0; i < 50_000 && !stop.IsCancellationRequested; i++)
            {
                Interlocked.Increment(ref requests);
                try
                {
                    using var response = await lb.GetAsync($"/api/products/{i % 200 + 1}");
                    if (!response.IsSuccessStatusCode)
                    {
                        failures.Enqueue($"HTTP {(int)response.StatusCode}");
                    }
                    else if (response.Headers.GetValues("X-Served-By").Single() == Victim)
                    {
                        Interlocked.Increment(ref servedByVictim);
                    }
                }
                catch (HttpRequestException ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        }
        // Writes alongside: not retried (they may have been applied), so one in flight on the killed replica fails
        // with a 502; counted and shown, every other write must succeed.
        var writeFailures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var writes = 0;
        async Task WriteAsync()
        {
            using var lb = stack.CreateLoadBalancerClient();
            for (var i = 0; i < 10_000 && !stop.IsCancellationRequested; i++)
            {
                Interlocked.Increment(ref writes);
                try
                {
                    using var response = await lb.PutAsJsonAsync($"/api/products/{Load.ProductCount + 100 + i % 50}/price", new { price = Storefront.Price(i) });
                    if (!response.IsSuccessStatusCode)
                    {
                        writeFailures.Enqueue($"HTTP {(int)response.StatusCode}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    writeFailures.Enqueue(ex.Message);
                }
            }
        }
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(ReadAsync)).Append(Task.Run(WriteAsync)).ToList();
        await WaitUntilAsync(() => Volatile.Read(ref servedByVictim) > 20, $"{Victim} serves part of the load");

        var killed = Kill(Victim, "WebFrontend.dll");
        var healthy = await WaitUntilBackAsync(Victim, killed);
        Interlocked.Exchange(ref servedByVictim, 0);
        await WaitUntilAsync(() => Volatile.Read(ref servedByVictim) > 20, $"{Victim} serves part of the load again");
        var serving = killed.Clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        output.WriteLine($"{Victim}: kill -9 → Running/Healthy {healthy.TotalSeconds:0.0} s, → serving through the load balancer {serving.TotalSeconds:0.0} s; " +
            $"{requests} GETs through the load balancer, {failures.Count} failed; {writes} PUTs, {writeFailures.Count} failed ({string.Join(", ", writeFailures.Distinct())}) (load average {LoadAverage()})");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {requests} GETs failed: {string.Join("; ", failures.Take(5))}");
        Assert.All(writeFailures, f => Assert.Equal("HTTP 502", f));
        // The new process started without a cache; it was given the topology's before it was enabled again.
        Assert.NotEqual("bypass", (await Storefront.ReadAsync(stack.Replicas[1], 1)).Cache);
    }

    [Fact]
    public async Task AKilledSingleRedisComesBackHealthyAndTheReplicasUseItAgain()
    {
        await stack.SwitchAsync("single");
        using var lb = stack.CreateLoadBalancerClient();

        var killed = Kill(ResourceNames.SingleCache, "redis-server");
        var healthy = await WaitUntilBackAsync(ResourceNames.SingleCache, killed);
        // The replicas' connections find the new server by themselves: a product read twice is a hit again.
        await WaitUntilAsync(async () =>
        {
            await Storefront.ReadAsync(lb, 4242 % Load.ProductCount + 1);
            return (await Storefront.ReadAsync(lb, 4242 % Load.ProductCount + 1)).Cache == "hit";
        }, "a read served from the restarted cache");
        output.WriteLine($"{ResourceNames.SingleCache}: kill -9 → Running/Healthy {healthy.TotalSeconds:0.0} s, → cache hits again {killed.Clock.Elapsed.TotalSeconds:0.0} s (load average {LoadAverage()})");
    }

    [Fact]
    public async Task AKilledPostgresMakesItsDatabaseUnhealthyAndComesBackWithItsData()
    {
        await stack.SwitchAsync("single");
        using var lb = stack.CreateLoadBalancerClient();
        const int Product = Load.ProductCount + 17;
        var written = await Storefront.WriteAsync(lb, Product, Storefront.Price(Environment.TickCount));

        // The resource's process is the server itself, not a shell around it.
        var killed = Kill(ResourceNames.Postgres, "postgres");
        Assert.Contains("/postgres ", ProcessCommandLineAtKill(killed), StringComparison.Ordinal);
        var down = await WaitForAsync(ResourceNames.CatalogDb, e => e.Snapshot.State?.Text != KnownResourceStates.Running, "catalogdb leaves Running");
        var healthy = await WaitUntilBackAsync(ResourceNames.Postgres, killed);
        await WaitForAsync(ResourceNames.CatalogDb, e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy, "catalogdb healthy again");
        var dbHealthy = killed.Clock.Elapsed;
        using var catalog = stack.App.CreateHttpClient(ResourceNames.CatalogApi, "http");
        var version = await WaitUntilAsync(async () =>
        {
            using var response = await catalog.GetAsync($"/api/catalog/items/{Product}");
            return response.IsSuccessStatusCode
                ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetInt32()
                : (int?)null;
        }, "catalogapi reads the product again");

        output.WriteLine($"{ResourceNames.Postgres}: kill -9 → catalogdb {down.Snapshot.State?.Text} (health {down.Snapshot.HealthStatus?.ToString() ?? "none"}), " +
            $"postgres Running/Healthy {healthy.TotalSeconds:0.0} s, catalogdb Healthy {dbHealthy.TotalSeconds:0.0} s, catalogapi reads {killed.Clock.Elapsed.TotalSeconds:0.0} s (load average {LoadAverage()})");
        Assert.NotEqual(HealthStatus.Healthy, down.Snapshot.HealthStatus);
        Assert.Equal(written.Version, version);
    }

    [Fact]
    public async Task AKilledCatalogApiComesBackWhileALoadGenStoppedOnRequestStaysStopped()
    {
        var loadGen = Resource(ResourceNames.LoadGen);
        var stopped = await stack.App.ResourceCommands.ExecuteCommandAsync(loadGen, KnownResourceCommands.StopCommand);
        Assert.True(stopped.Success, stopped.Message);
        var stoppedState = await WaitForAsync(ResourceNames.LoadGen, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), "loadgen stopped");

        // The watcher restarts a dead catalogapi after 0.5 s; by the time catalogapi is back it has had every chance
        // to undo loadgen's stop too.
        var killed = Kill(ResourceNames.CatalogApi, "CatalogApi.dll");
        var healthy = await WaitUntilBackAsync(ResourceNames.CatalogApi, killed);
        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(ResourceNames.LoadGen, out var loadGenNow));
        output.WriteLine($"{ResourceNames.CatalogApi}: kill -9 → Running/Healthy {healthy.TotalSeconds:0.0} s; loadgen, stopped on request before: {loadGenNow.Snapshot.State?.Text} (load average {LoadAverage()})");

        Assert.Equal(stoppedState.Snapshot.State?.Text, loadGenNow.Snapshot.State?.Text);
        Assert.Equal(stoppedState.Snapshot.StartTimeStamp, loadGenNow.Snapshot.StartTimeStamp);
        var started = await stack.App.ResourceCommands.ExecuteCommandAsync(loadGen, KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        await WaitForAsync(ResourceNames.LoadGen, e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy, "loadgen started again");
    }

    private IResource Resource(string name)
        => stack.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);

    /// <summary>kill -9 of the resource's process, after checking it is the one expected (its command line).</summary>
    private Killed Kill(string resource, string commandLineContains)
    {
        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(resource, out var current), $"{resource} has no state");
        var pidProperty = current.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        var pid = Convert.ToInt32(pidProperty, CultureInfo.InvariantCulture);
        var process = ProcessIdentity.Read(pid) ?? throw new InvalidOperationException($"{resource}: no process {pid}");
        Assert.Contains(commandLineContains, process.CommandLine, StringComparison.Ordinal);
        ProcessIdentity.Signal(pid, ProcessIdentity.SigKill);
        return new Killed(process, current.Snapshot.StartTimeStamp, Stopwatch.StartNew());
    }

    private static string ProcessCommandLineAtKill(Killed killed) => killed.Process.CommandLine + " ";

    /// <summary>Waits until the resource runs a new process that is Running and Healthy; returns the time since the kill.</summary>
    private async Task<TimeSpan> WaitUntilBackAsync(string resource, Killed killed)
    {
        await WaitForAsync(resource, e => e.Snapshot.StartTimeStamp != killed.StartedAt
            && e.Snapshot.State?.Text == KnownResourceStates.Running
            && e.Snapshot.HealthStatus == HealthStatus.Healthy, $"{resource} Running and Healthy again");
        return killed.Clock.Elapsed;
    }

    private async Task<ResourceEvent> WaitForAsync(string resource, Func<ResourceEvent, bool> predicate, string what)
    {
        using var timeout = new CancellationTokenSource(s_bound);
        try
        {
            return await stack.App.ResourceNotifications.WaitForResourceAsync(resource, predicate, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            var states = string.Join(", ", new[] { resource, ResourceNames.Postgres, ResourceNames.CatalogDb, ResourceNames.CatalogApi }.Distinct()
                .Select(n => stack.App.ResourceNotifications.TryGetCurrentState(n, out var e) ? $"{n} {e.Snapshot.State?.Text}/{e.Snapshot.HealthStatus}" : $"{n} ?"));
            throw new TimeoutException($"Not within {s_bound.TotalMinutes} min: {what} ({states})");
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what)
        => WaitUntilAsync(() => Task.FromResult(condition() ? true : (bool?)null), what);

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what)
        => WaitUntilAsync(async () => await condition() ? true : (bool?)null, what);

    private static async Task<T> WaitUntilAsync<T>(Func<Task<T?>> attempt, string what)
        where T : struct
    {
        using var timeout = new CancellationTokenSource(s_bound);
        string? last = null;
        while (!timeout.IsCancellationRequested)
        {
            try
            {
                if (await attempt() is { } value)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or Xunit.Sdk.XunitException or TaskCanceledException)
            {
                last = ex.Message;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Not within {s_bound.TotalMinutes} min: {what}{(last is null ? "" : $" (last: {last})")}");
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private sealed record Killed(ProcessIdentity Process, DateTime? StartedAt, Stopwatch Clock);
}

/// <summary>The self-healing tests: one AppHost of their own, since they kill its processes.</summary>
[CollectionDefinition(Name)]
public sealed class SelfHealingCollection : ICollectionFixture<SampleApp>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "self-healing";
}
