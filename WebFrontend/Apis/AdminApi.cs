using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace WebFrontend.Apis;

/// <summary>
/// <c>GET</c> and <c>PUT /admin/cache</c>: how the AppHost's topology controller points a running replica at another
/// cache. Only from loopback, and only with <c>X-Admin-Token</c> equal to the <c>ADMIN_TOKEN</c> the replica was
/// started with (no token configured: the endpoints refuse everything).
/// </summary>
public static class AdminApi
{
    /// <summary>The header carrying the admin token.</summary>
    public const string TokenHeader = "X-Admin-Token";

    /// <summary>The most WAIT replicas accepted (a master of the sample has at most a few replicas).</summary>
    public const int MaxWaitForReplicas = 5;

    /// <summary>Maps <c>/admin/cache</c>.</summary>
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
            Authorize(context.HttpContext) is { } refused ? refused : await next(context));
        admin.MapGet("/cache", GetCache);
        admin.MapPut("/cache", SwitchCache);
        return app;
    }

    /// <summary>The cache this replica uses.</summary>
    public static Ok<CacheSwitchResult> GetCache(CacheConnection cache, ReplicaIdentity identity)
        => TypedResults.Ok(Describe(cache, identity, null));

    /// <summary>
    /// Switches the cache to the <c>ConnectionStrings</c> entry named <c>cache</c> (or to none): answers 200 once the
    /// new multiplexer answered PING (requests in flight finish on the old one, which is closed after them), 400 on
    /// bad input (an unknown name lists the configured ones), 503 when the new cache does not answer (nothing
    /// changed; the detail names its connection string and what to fix).
    /// </summary>
    public static async Task<Results<Ok<CacheSwitchResult>, ValidationProblem, ProblemHttpResult>> SwitchCache(
        CacheSwitchRequest? request,
        CacheConnection cache,
        ReplicaIdentity identity,
        CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["body"] = ["A JSON body is required, e.g. { \"cache\": \"cache-cluster\", \"nearCache\": \"none\", \"waitForReplicas\": 0 }."],
            });
        }
        var errors = new Dictionary<string, string[]>();
        var name = string.IsNullOrWhiteSpace(request.Cache) ? null : request.Cache.Trim();
        if (name is not null && !cache.Caches.Contains(name))
        {
            errors["cache"] = [$"'{name}' is not a configured cache; use one of: {string.Join(", ", cache.Caches.Names)} (or null for none)."];
        }
        if (!CacheSettings.TryParseNearCache(request.NearCache, out var nearCache))
        {
            errors["nearCache"] = [$"'{request.NearCache}' is not a near cache mode: use none, coherent or tracking."];
        }
        else if (nearCache != NearCacheKind.None && name is null)
        {
            errors["nearCache"] = ["A near cache needs a cache."];
        }
        var waitForReplicas = request.WaitForReplicas ?? 0;
        if (waitForReplicas is < 0 or > MaxWaitForReplicas)
        {
            errors["waitForReplicas"] = [$"waitForReplicas must be between 0 and {MaxWaitForReplicas}."];
        }
        else if (waitForReplicas > 0 && name is null)
        {
            errors["waitForReplicas"] = ["WAIT needs a cache."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var settings = new CacheSettings(name, nearCache, waitForReplicas);
        try
        {
            var roundTrip = await cache.SwitchAsync(settings, cancellationToken);
            return TypedResults.Ok(Describe(cache, identity, roundTrip));
        }
        catch (CacheConfigurationException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cache"] = [ex.Message] });
        }
        catch (CacheUnavailableException ex)
        {
            return TypedResults.Problem(
                $"{ex.Message} This replica still uses {cache.Current?.Name ?? "no cache"}.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The new cache is not reachable");
        }
    }

    private static CacheSwitchResult Describe(CacheConnection cache, ReplicaIdentity identity, TimeSpan? roundTrip)
    {
        var current = cache.Current;
        var settings = current?.Settings ?? CacheSettings.None;
        return new(identity.Instance, current?.Name, current?.Configuration, settings.NearCacheName, settings.WaitForReplicas,
            roundTrip?.TotalMilliseconds, cache.Caches.Names);
    }

    private static ProblemHttpResult? Authorize(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
        {
            return TypedResults.Problem("The admin API answers only on loopback.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }
        var expected = context.RequestServices.GetRequiredService<IConfiguration>()["ADMIN_TOKEN"];
        if (string.IsNullOrEmpty(expected))
        {
            return TypedResults.Problem("The admin API is disabled: start the replica with ADMIN_TOKEN set.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }
        var given = context.Request.Headers[TokenHeader].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
        {
            return TypedResults.Problem($"Send the replica's ADMIN_TOKEN in {TokenHeader}.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }
        return null;
    }
}
