using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NetworkEmulation;

namespace AppHost.Network;

/// <summary>
/// <c>GET /api/network</c> (the profile and the links) and <c>PUT /api/network</c> <c>{ "profile": "lan" }</c> or
/// <c>{ "delay": "200us", "rate": "1gbit" }</c> (switches every link while traffic flows; 400 for a bad value, 404
/// when the AppHost runs without <c>--network</c>).
/// </summary>
public static class NetworkApi
{
    /// <summary>Maps the network endpoints.</summary>
    public static IEndpointRouteBuilder MapNetworkApi(this IEndpointRouteBuilder endpoints, IServiceProvider appHostServices)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(appHostServices);
        var network = appHostServices.GetService<SampleNetwork>();
        endpoints.MapGet("/api/network", Results<Ok<NetworkStatus>, ProblemHttpResult> () =>
            network is null ? Off() : TypedResults.Ok(network.GetStatus()));
        endpoints.MapPut("/api/network", async Task<Results<Ok<NetworkStatus>, ProblemHttpResult>> (NetworkProfileRequest? request) =>
        {
            if (network is null)
            {
                return Off();
            }
            if (request is null || (request.Profile is null && request.Delay is null && request.Rate is null))
            {
                return TypedResults.Problem($"Send {{ \"profile\": \"...\" }} with one of: {LinkProfile.Describe()}; or \"delay\" and \"rate\" (e.g. \"200us\", \"1gbit\").",
                    statusCode: StatusCodes.Status400BadRequest, title: "No network profile");
            }
            LinkProfile profile;
            try
            {
                profile = LinkProfile.Parse(request.Profile, request.Delay, request.Rate);
            }
            catch (ArgumentException ex)
            {
                return TypedResults.Problem(ex.Message.Split(" (Parameter", 2)[0], statusCode: StatusCodes.Status400BadRequest, title: "Invalid network profile");
            }
            await network.SetProfileAsync(profile).ConfigureAwait(false);
            return TypedResults.Ok(network.GetStatus());
        });
        return endpoints;
    }

    private static ProblemHttpResult Off() => TypedResults.Problem(
        "The AppHost runs without an emulated network: start it with --network lan (or lan-10g, cross-zone).",
        statusCode: StatusCodes.Status404NotFound, title: "No network");
}
