using Microsoft.Extensions.Options;

namespace WebFrontend.Services;

/// <summary>What a <see cref="CacheFence"/> needs from the replica: CatalogApi (the record of writes), the options, a clock, a logger.</summary>
public sealed class CacheFenceServices(IHttpClientFactory httpClientFactory, IOptionsMonitor<CacheOptions> options, TimeProvider time, ILogger<CacheFence> logger)
{
    /// <summary>A client of CatalogApi.</summary>
    public CatalogClient Catalog() => new(httpClientFactory.CreateClient(nameof(CatalogClient)));

    /// <summary>The cache options (replay window, settle time, timeouts).</summary>
    public IOptionsMonitor<CacheOptions> Options => options;

    /// <summary>The clock.</summary>
    public TimeProvider Time => time;

    /// <summary>Where fencing and replays are logged.</summary>
    public ILogger<CacheFence> Logger => logger;
}
