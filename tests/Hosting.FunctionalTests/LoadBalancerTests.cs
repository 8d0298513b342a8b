using System.Collections.Concurrent;
using Hosting.Testing;

namespace Hosting.FunctionalTests;

public class LoadBalancerTests
{
    private const string EchoService = "tests/TestServices/EchoService";

    [Fact]
    public async Task LoadBalancerSpreadsRequestsRoundRobinOverThreeReplicas()
    {
        await using var app = await StartEchoBehindLoadBalancerAsync();
        using var http = app.CreateHttpClient("lb");

        var servedBy = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await http.GetAsync("/");
            response.EnsureSuccessStatusCode();
            servedBy.Add(response.Headers.GetValues("X-Served-By").Single());
        }

        Assert.Equal(["echo-0", "echo-1", "echo-2"], servedBy.Distinct().Order());
        // Round robin: every window of three consecutive requests reaches three different replicas.
        Assert.Equal(3, servedBy.Take(3).Distinct().Count());
        Assert.Equal(3, servedBy.Skip(3).Distinct().Count());
    }

    [Fact]
    public async Task RestartingOneReplicaUnderTrafficFailsNoRequestBecauseItIsDrainedFirst()
    {
        await using var app = await StartEchoBehindLoadBalancerAsync();
        var lb = app.GetLoadBalancer("lb");
        var pidBefore = app.GetProcessId("echo", 1);

        var failures = new ConcurrentQueue<string>();
        var servedBy = new ConcurrentDictionary<string, int>();
        var requests = 0;
        using var stop = new CancellationTokenSource();
        async Task TrafficAsync()
        {
            using var http = app.CreateHttpClient("lb");
            // Bounded: at most 2000 requests per client, only to 127.0.0.1. Each takes 1 s, so every replica
            // always has requests in flight: stopping one without draining it first would fail some of them.
            for (var i = 0; i < 2000 && !stop.IsCancellationRequested; i++)
            {
                Interlocked.Increment(ref requests);
                try
                {
                    using var response = await http.GetAsync("/slow?ms=1000");
                    if (!response.IsSuccessStatusCode)
                    {
                        failures.Enqueue($"HTTP {(int)response.StatusCode}");
                    }
                    else
                    {
                        servedBy.AddOrUpdate(response.Headers.GetValues("X-Served-By").Single(), 1, (_, n) => n + 1);
                    }
                }
                catch (HttpRequestException ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        }

        var traffic = Enumerable.Range(0, 6).Select(_ => Task.Run(TrafficAsync)).ToArray();
        await Task.Delay(500);
        var drained = lb.DrainAsync(1);
        await drained;
        Assert.Equal("DRAIN", await lb.GetStatusAsync(1));
        await lb.EnableAsync(1);

        await app.RestartResourceAsync("echo", 1).WaitAsync(TimeSpan.FromSeconds(60));
        servedBy.TryRemove("echo-1", out _);
        // Traffic reaches the restarted replica again once HAProxy's check sees it UP.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!servedBy.ContainsKey("echo-1") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        await stop.CancelAsync();
        await Task.WhenAll(traffic);

        Assert.Empty(failures);
        Assert.True(servedBy.ContainsKey("echo-1"), "the restarted replica never served again");
        Assert.NotEqual(pidBefore, app.GetProcessId("echo", 1));
        Assert.True(requests > 20, $"only {requests} requests were sent");
    }

    [Fact]
    public async Task StickySessionsPinAClientToOneReplica()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var echo = builder.AddProject("echo", EchoService).WithReplicas(3).WithHttpHealthCheck("/health");
        builder.AddLoadBalancer("lb").WithReference(echo).WithStickySessions().WaitFor(echo);
        await using var app = builder.Build();
        await app.StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("lb").WaitAsync(TimeSpan.FromSeconds(60));

        using var handler = new HttpClientHandler { UseCookies = true };
        using var http = new HttpClient(handler) { BaseAddress = app.GetEndpoint("lb") };
        var servedBy = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await http.GetAsync("/");
            servedBy.Add(response.Headers.GetValues("X-Served-By").Single());
        }
        Assert.Single(servedBy);
    }

    internal static async Task<DistributedApplication> StartEchoBehindLoadBalancerAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var echo = builder.AddProject("echo", EchoService).WithReplicas(3).WithHttpHealthCheck("/health");
        builder.AddLoadBalancer("lb").WithReference(echo).WaitFor(echo);
        var app = builder.Build();
        try
        {
            await app.StartAsync();
            await app.ResourceNotifications.WaitForResourceHealthyAsync("lb").WaitAsync(TimeSpan.FromSeconds(60));
            // Every replica UP in HAProxy, not only the first one.
            var runtime = app.GetLoadBalancer("lb");
            for (var i = 0; i < 3; i++)
            {
                while (!(await runtime.GetStatusAsync(i)).StartsWith("UP", StringComparison.Ordinal))
                {
                    await Task.Delay(100);
                }
            }
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }
}
