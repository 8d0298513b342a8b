using CatalogApi.Infrastructure;
using CatalogApi.Model;

namespace CatalogApi.Apis;

/// <summary>What the catalog handlers need, bound with <c>[AsParameters]</c>.</summary>
public sealed class CatalogServices(CatalogContext context, CatalogStats stats, ILogger<CatalogServices> logger)
{
    /// <summary>The database.</summary>
    public CatalogContext Context { get; } = context;

    /// <summary>The call counters behind <c>/api/catalog/stats</c>.</summary>
    public CatalogStats Stats { get; } = stats;

    /// <summary>The API's logger.</summary>
    public ILogger<CatalogServices> Logger { get; } = logger;
}
