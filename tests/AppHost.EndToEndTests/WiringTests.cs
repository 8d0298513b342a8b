using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

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
        var model = stack.App.Services.GetRequiredService<DistributedApplicationModel>();
        var replica = model.Resources.OfType<ProjectResource>().Single(r => r.Name == "webfrontend-2");
        var environment = await replica.GetEnvironmentVariableValuesAsync();

        Assert.Equal(HttpStatusCode.OK, product.StatusCode);
        foreach (var cache in new[] { "cache", "cache-naive-0", "cache-naive-1", "cache-naive-2", "cache-cluster" })
        {
            Assert.Contains("password=", environment[$"ConnectionStrings__{cache}"], StringComparison.Ordinal);
        }
        var catalogEnvironment = await model.Resources.OfType<ProjectResource>().Single(r => r.Name == ResourceNames.CatalogApi).GetEnvironmentVariableValuesAsync();
        Assert.Contains("catalogdb", catalogEnvironment["ConnectionStrings__catalogdb"], StringComparison.Ordinal);
        Assert.Equal("webfrontend-2", environment["REPLICA_NAME"]);
        Assert.Equal(await stack.AdminTokenAsync(), environment["ADMIN_TOKEN"]);
    }
}
