using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace AppHost.EndToEndTests;

[Collection(SampleAppCollection.Name)]
public sealed class WiringTests(SampleApp stack)
{
    [Fact]
    public async Task TheResourcesApiListsEveryResourceWithItsStateHealthAndEndpoints()
    {
        var resources = await stack.Control.GetFromJsonAsync<List<JsonElement>>("/api/resources");
        var byName = resources!.ToDictionary(r => r.GetProperty("name").GetString()!);

        foreach (var name in new[] { "postgres", "catalogdb", "catalogapi", "cache", "cache-naive-0", "cache-naive-1", "cache-naive-2", "cache-cluster", "webfrontend-0", "webfrontend-1", "webfrontend-2", "lb", "loadgen" })
        {
            Assert.True(byName.ContainsKey(name), $"{name} is missing from /api/resources");
        }
        foreach (var name in new[] { "catalogapi", "webfrontend-0", "webfrontend-1", "webfrontend-2", "lb", "cache" })
        {
            Assert.Equal("Running", byName[name].GetProperty("state").GetString());
            Assert.Equal("Healthy", byName[name].GetProperty("health").GetString());
        }
        Assert.Contains(byName["lb"].GetProperty("endpoints").EnumerateArray(), e => e.GetString()!.StartsWith(stack.LoadBalancer.ToString().TrimEnd('/'), StringComparison.Ordinal));
    }

    [Fact]
    public async Task CatalogApiReadsPostgresAndEveryReplicaGetsEveryCacheAndItsName()
    {
        using var catalog = stack.App.CreateHttpClient(ResourceNames.CatalogApi, "http");
        using var product = await catalog.GetAsync("/api/catalog/items/1");
        var environment = Environment("webfrontend-2");

        Assert.Equal(HttpStatusCode.OK, product.StatusCode);
        foreach (var cache in new[] { "cache", "cache-naive-0", "cache-naive-1", "cache-naive-2", "cache-cluster" })
        {
            Assert.Contains("password=", environment[$"ConnectionStrings__{cache}"], StringComparison.Ordinal);
        }
        Assert.Contains("catalogdb", Environment(ResourceNames.CatalogApi)["ConnectionStrings__catalogdb"], StringComparison.Ordinal);
        Assert.Equal("webfrontend-2", environment["REPLICA_NAME"]);
        Assert.Equal(await stack.AdminTokenAsync(), environment["ADMIN_TOKEN"]);
    }

    /// <summary>The environment the resource's process was started with, as DCP reports it.</summary>
    private Dictionary<string, string> Environment(string resource)
    {
        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(resource, out var current), $"{resource} has no state");
        return current.Snapshot.EnvironmentVariables.Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value!);
    }
}
