using System.Net;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.FunctionalTests;

public sealed class RetryTests
{
    [Fact]
    public async Task EveryGetIsAnsweredWhileOneReplicaRefusesConnections()
    {
        await using var live0 = await Backend.StartAsync("replica-0");
        var dead = Backend.Dead("replica-1");
        await using var live2 = await Backend.StartAsync("replica-2");
        // Probes once a minute: the refused connections are met by requests, not by the active check first.
        await using var lb = new LoadBalancerUnderTest(TimeSpan.FromMinutes(1), live0, dead, live2);
        using var client = lb.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            using var response = await client.GetAsync($"/api/products/{i}");
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(30, live0.Received + live2.Received);
    }

    [Fact]
    public async Task EveryGetIsAnsweredWhenAReplicaStopsUnderTraffic()
    {
        await using var replica0 = await Backend.StartAsync("replica-0");
        await using var replica1 = await Backend.StartAsync("replica-1");
        await using var replica2 = await Backend.StartAsync("replica-2");
        await using var lb = new LoadBalancerUnderTest(replica0, replica1, replica2);
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var answered = 0;
        async Task TrafficAsync()
        {
            using var client = lb.CreateClient();
            // Bounded: at most 20,000 requests per client.
            for (var i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
            {
                using var response = await client.GetAsync($"/api/products/{i}");
                Interlocked.Increment(ref response.IsSuccessStatusCode ? ref answered : ref failures);
            }
        }
        var traffic = Enumerable.Range(0, 4).Select(_ => Task.Run(TrafficAsync)).ToList();
        await LoadBalancerUnderTest.WaitUntilAsync(() => replica1.Received > 20, "replica-1 served some requests");

        await replica1.StopAsync();
        var receivedAtStop = replica0.Received + replica2.Received;
        await LoadBalancerUnderTest.WaitUntilAsync(() => replica0.Received + replica2.Received > receivedAtStop + 200, "200 more requests after the stop");
        await stop.CancelAsync();
        await Task.WhenAll(traffic);

        Assert.Equal(0, failures);
        Assert.True(answered > 200);
        Assert.Equal(DestinationHealth.Unhealthy, lb.Health(1)?.Passive);
    }

    [Fact]
    public async Task AGetWhoseReplicaDropsTheConnectionIsSentOnceToAnotherReplicaAndAWriteIsNot()
    {
        await using var replica0 = await Backend.StartAsync("replica-0");
        await using var replica1 = await Backend.StartAsync("replica-1");
        await using var lb = new LoadBalancerUnderTest(replica0, replica1);
        using var client = lb.CreateClient();

        // Both replicas drop the connection after reading the request: the GET is tried on both, once each.
        using var get = await client.GetAsync("/abort");
        var afterGet = replica0.Received + replica1.Received;
        await LoadBalancerUnderTest.WaitUntilAsync(
            () => lb.Health(0)?.Passive != DestinationHealth.Unhealthy && lb.Health(1)?.Passive != DestinationHealth.Unhealthy,
            "both replicas back after their next good probe");
        // The write may have been applied before the connection dropped: it is not sent again.
        using var put = await client.PutAsync("/abort", new StringContent("{}"));
        var afterPut = replica0.Received + replica1.Received;

        Assert.Equal(HttpStatusCode.BadGateway, get.StatusCode);
        Assert.Equal(2, afterGet);
        Assert.Equal(HttpStatusCode.BadGateway, put.StatusCode);
        Assert.Equal(3, afterPut);
    }

    [Fact]
    public async Task AWriteToAReplicaThatRefusesConnectionsGoesToAnotherOneBecauseNothingWasSent()
    {
        var dead0 = Backend.Dead("replica-0");
        var dead1 = Backend.Dead("replica-1");
        await using var live = await Backend.StartAsync("replica-2");
        await using var lb = new LoadBalancerUnderTest(dead0, dead1, live);
        using var client = lb.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.PutAsync($"/api/products/{i}/price", new StringContent("{\"price\": 1}", System.Text.Encoding.UTF8, "application/json"));
            statuses.Add(response.StatusCode);
        }

        // Two refusing replicas and one retry: the first write may meet both of them (502), every later one is sent
        // to the live replica because the refusing ones are out after their first failure.
        Assert.All(statuses.Skip(1), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.OK), live.Received);
    }

    [Fact]
    public async Task AReplicaThatRefusesConnectionsIsOutAtItsFirstFailureAndBackAtItsFirstGoodProbe()
    {
        await using var live = await Backend.StartAsync("replica-0");
        await using var restarted = Backend.Dead("replica-1");
        await using var lb = new LoadBalancerUnderTest(live, restarted);
        using var client = lb.CreateClient();

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var outAfterFirstFailure = lb.Health(1)?.Passive;
        await restarted.StartAsync();
        await LoadBalancerUnderTest.WaitUntilAsync(() => lb.Health(1)?.Passive == DestinationHealth.Healthy, "replica-1 healthy again after its first good probe");
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(DestinationHealth.Unhealthy, outAfterFirstFailure);
        Assert.True(restarted.Received > 0, "replica-1 took requests again once it answered its probe");
    }
}
