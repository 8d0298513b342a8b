namespace LoadGen.FunctionalTests;

/// <summary>How the simulated system behind the load balancer behaves.</summary>
internal sealed record FakeStorefrontOptions
{
    /// <summary>Replicas web-0..web-(n-1), chosen round robin (or by the sticky cookie).</summary>
    public int Replicas { get; init; } = 3;

    /// <summary>False: every read goes to the catalog (<c>X-Cache: bypass</c>).</summary>
    public bool Cache { get; init; } = true;

    /// <summary>
    /// The last replica keeps a cache of its own that only its own writes invalidate, as in the naive topology
    /// (one Redis per replica): it serves old versions after writes that went through the others.
    /// </summary>
    public bool StaleLastReplica { get; init; }

    /// <summary>Share of writes answered 503 without being applied.</summary>
    public double FailingWriteRatio { get; init; }

    /// <summary>The load balancer pins a client to a replica with a cookie, as HAProxy's cookie stickiness does.</summary>
    public bool StickyCookie { get; init; }

    /// <summary>Every request takes this long, one at a time (a saturated server).</summary>
    public TimeSpan SerializedServiceTime { get; init; }

    /// <summary>Reads of this product hang for this long (to provoke timeouts).</summary>
    public (int ProductId, TimeSpan Delay)? SlowProduct { get; init; }
}
