using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using RedisClient;

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
        => TypedResults.Ok(Describe(cache.Settings, identity, null));

    /// <summary>
    /// Switches the cache: answers 200 once the new connection answered PING (requests in flight finish on the old
    /// one, which is closed afterwards), 400 on bad input, 503 when the new cache does not answer (nothing changed).
    /// </summary>
    public static async Task<Results<Ok<CacheSwitchResult>, ValidationProblem, ProblemHttpResult>> SwitchCache(
        CacheSwitchRequest? request,
        CacheConnection cache,
        ReplicaIdentity identity,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["A JSON body is required, e.g. { \"connectionString\": \"127.0.0.1:6379,password=...\", \"nearCache\": \"none\", \"waitForReplicas\": 0 }."] });
        }
        var connectionString = string.IsNullOrWhiteSpace(request.ConnectionString) ? null : request.ConnectionString.Trim();
        if (connectionString is not null)
        {
            try
            {
                ConfigurationOptions.Parse(connectionString);
            }
            catch (ArgumentException ex)
            {
                errors["connectionString"] = [$"Not a valid cache configuration: {ex.Message}"];
            }
        }
        if (!CacheConnection.TryParseNearCache(request.NearCache, out var nearCache))
        {
            errors["nearCache"] = [$"'{request.NearCache}' is not a near cache mode: use none, coherent or tracking."];
        }
        else if (nearCache is not null && connectionString is null)
        {
            errors["nearCache"] = ["A near cache needs a connectionString."];
        }
        var waitForReplicas = request.WaitForReplicas ?? 0;
        if (waitForReplicas is < 0 or > MaxWaitForReplicas)
        {
            errors["waitForReplicas"] = [$"waitForReplicas must be between 0 and {MaxWaitForReplicas}."];
        }
        else if (waitForReplicas > 0 && connectionString is null)
        {
            errors["waitForReplicas"] = ["WAIT needs a connectionString."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var settings = new CacheSettings(connectionString, nearCache, waitForReplicas);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var roundTrip = await cache.SwitchAsync(settings, timeout.Token);
            return TypedResults.Ok(Describe(settings, identity, roundTrip));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            return TypedResults.Problem(
                $"The cache {settings.RedactedConfiguration} did not answer PING within 10 s ({ex.Message}); this replica still uses {cache.Settings.RedactedConfiguration ?? "no cache"}.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The new cache is not reachable");
        }
    }

    private static CacheSwitchResult Describe(CacheSettings settings, ReplicaIdentity identity, TimeSpan? roundTrip)
        => new(identity.Instance, settings.RedactedConfiguration, settings.NearCacheName, settings.WaitForReplicas, roundTrip?.TotalMilliseconds);

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
