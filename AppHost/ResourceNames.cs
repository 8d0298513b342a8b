namespace AppHost;

/// <summary>The resource names of the sample (the contract with LoadGen, the tests and the scripts).</summary>
public static class ResourceNames
{
    /// <summary>PostgreSQL, the system of record's server.</summary>
    public const string Postgres = "postgres";

    /// <summary>The catalog database.</summary>
    public const string CatalogDb = "catalogdb";

    /// <summary>The catalog API.</summary>
    public const string CatalogApi = "catalogapi";

    /// <summary>The shared Redis of <c>single</c>.</summary>
    public const string SingleCache = "cache";

    /// <summary>The Redis Cluster of <c>cluster</c> and <c>cluster-near</c>.</summary>
    public const string ClusterCache = "cache-cluster";

    /// <summary>
    /// An installed ScaleOut StateServer, reached through its Redis-protocol endpoint (<c>soss</c>); in the model only
    /// when <c>Parameters:soss-hosts</c> or <c>ConnectionStrings:soss</c> is set.
    /// </summary>
    public const string Soss = "soss";

    /// <summary>The YARP load balancer.</summary>
    public const string LoadBalancer = "lb";

    /// <summary>The load generator.</summary>
    public const string LoadGen = "loadgen";

    /// <summary>How many web replicas there are.</summary>
    public const int WebReplicas = 3;

    /// <summary>Web replica <paramref name="i"/>.</summary>
    public static string WebFrontend(int i) => $"webfrontend-{i}";

    /// <summary>The Redis of replica <paramref name="i"/> in <c>naive</c> and <c>naive-sticky</c>.</summary>
    public static string NaiveCache(int i) => $"cache-naive-{i}";
}
