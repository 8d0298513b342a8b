namespace AppHost.Topologies;

/// <summary>The resource names the sample's composition uses, so the topology controller and the tests agree.</summary>
public sealed record SampleNames
{
    /// <summary>The storefront project.</summary>
    public string WebFrontend { get; init; } = "webfrontend";

    /// <summary>Its replicas (one naive cache each).</summary>
    public int WebReplicas { get; init; } = 3;

    /// <summary>HAProxy in front of the replicas.</summary>
    public string LoadBalancer { get; init; } = "lb";

    /// <summary>The system of record.</summary>
    public string CatalogApi { get; init; } = "catalogapi";

    /// <summary>The shared Redis of <c>single</c>.</summary>
    public string SingleCache { get; init; } = "cache";

    /// <summary>The Redis Cluster of <c>cluster</c> and <c>cluster-near</c>.</summary>
    public string ClusterCache { get; init; } = "cache-cluster";

    /// <summary>The load generator service.</summary>
    public string LoadGen { get; init; } = "loadgen";

    /// <summary>The Redis of replica <paramref name="replica"/> in <c>naive</c> and <c>naive-sticky</c>.</summary>
    public string NaiveCache(int replica) => $"cache-naive-{replica}";
}
