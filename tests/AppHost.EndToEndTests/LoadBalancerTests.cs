using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

[Collection(SampleAppCollection.Name)]
public sealed class LoadBalancerTests(SampleApp stack, ITestOutputHelper output)
{
    [Fact]
    public async Task ThreeRequestsThroughTheLoadBalancerReachThreeDifferentReplicas()
    {
        await stack.SwitchAsync("single");
        using var lb = stack.CreateLoadBalancerClient();

        var servedBy = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await lb.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            servedBy.Add(response.Headers.GetValues("X-Served-By").Single());
        }

        // Round robin: every window of three consecutive requests reaches all three replicas.
        Assert.Equal(["webfrontend-0", "webfrontend-1", "webfrontend-2"], servedBy.Take(3).Order());
        Assert.Equal(["webfrontend-0", "webfrontend-1", "webfrontend-2"], servedBy.Skip(3).Order());
    }

    [Fact]
    public async Task WithAffinityAClientThatKeepsItsCookieStaysOnOneReplicaAndWithoutItIsBalancedAgain()
    {
        await stack.SwitchAsync("naive-sticky");
        using var sticky = stack.CreateLoadBalancerClient(cookies: true);
        var stuck = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            stuck.Add((await Storefront.ReadAsync(sticky, i + 1)).ServedBy);
        }

        await stack.SwitchAsync("naive");
        var balanced = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            balanced.Add((await Storefront.ReadAsync(sticky, i + 1)).ServedBy);
        }

        Assert.Single(stuck);
        Assert.Equal(3, balanced.Count);
    }

    [Fact]
    public async Task RestartingAReplicaUnderTrafficFailsNoRequestBecauseItIsDrainedFirst()
    {
        await stack.SwitchAsync("single");
        var failures = new ConcurrentQueue<string>();
        var servedBy = new ConcurrentDictionary<string, int>();
        var requests = 0;
        using var stop = new CancellationTokenSource();
        async Task TrafficAsync()
        {
            using var lb = stack.CreateLoadBalancerClient();
            // Bounded: at most 100,000 requests per client, only to 127.0.0.1.
            for (var i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
            {
                Interlocked.Increment(ref requests);
                try
                {
                    using var response = await lb.GetAsync($"/api/products/{i % 50 + 1}");
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
        var traffic = Enumerable.Range(0, 4).Select(_ => Task.Run(TrafficAsync)).ToArray();
        while (Volatile.Read(ref requests) < 50)
        {
            await Task.Delay(20);
        }

        using (var response = await stack.Control.PostAsync("/api/replicas/webfrontend-1/restart", null))
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            output.WriteLine(await response.Content.ReadAsStringAsync());
        }
        // Traffic reaches the restarted replica again once it is enabled, with the cache of the topology in use.
        servedBy.TryRemove("webfrontend-1", out _);
        var hit = await Storefront.ReadAsync(stack.Replicas[1], 1);
        while (!servedBy.ContainsKey("webfrontend-1") && !traffic.All(t => t.IsCompleted))
        {
            await Task.Delay(20);
        }
        await stop.CancelAsync();
        await Task.WhenAll(traffic);

        output.WriteLine($"{requests} requests, {failures.Count} failed: {string.Join("; ", failures.Distinct())}");
        Assert.Empty(failures);
        Assert.True(servedBy.ContainsKey("webfrontend-1"), "the restarted replica never served again");
        Assert.NotEqual("bypass", hit.Cache);
    }

    [Fact]
    public async Task TheLoadBalancerAdminApiRefusesACallerWithoutTheToken()
    {
        using var lb = stack.CreateLoadBalancerClient();
        using var withoutToken = await lb.PostAsync("/_lb/replicas/webfrontend-0/drain", null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_lb/replicas");
        request.Headers.Add("X-Admin-Token", await stack.AdminTokenAsync());
        using var withToken = await lb.SendAsync(request);
        var status = await withToken.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        Assert.All(status.GetProperty("replicas").EnumerateArray(), r => Assert.False(r.GetProperty("drained").GetBoolean()));
    }
}
