using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ServiceDefaults;

/// <summary>The checks behind <see cref="Microsoft.Extensions.Hosting.LoopbackOnlyExtensions.UseLoopbackOnly"/>.</summary>
internal static class LoopbackRequestCheck
{
    private static readonly string[] s_loopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>Why <paramref name="request"/> is refused, as the ProblemDetails to answer; null when it may pass.</summary>
    public static ProblemHttpResult? Refuse(HttpRequest request, Func<IEnumerable<Uri>>? trustedOrigins)
    {
        if (!IsLoopbackName(request.Host.Host))
        {
            return TypedResults.Problem(
                $"This API answers only requests addressed to localhost, 127.0.0.1 or [::1], not '{Shorten(request.Host.Value)}': use {request.Scheme}://127.0.0.1:{LocalPort(request)}{request.Path}.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Host not allowed");
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || IsAllowedOrigin(origin, request, trustedOrigins))
        {
            return null;
        }
        return TypedResults.Problem(
            $"Requests from the page '{Shorten(origin)}' are refused: only this API's own pages and the lab page may call it from a browser.",
            statusCode: StatusCodes.Status403Forbidden,
            title: "Origin not allowed");
    }

    /// <summary>Whether <paramref name="host"/> (a Host header's name, IPv6 in brackets) is one of the loopback names.</summary>
    public static bool IsLoopbackName(string host) =>
        Array.Exists(s_loopbackNames, name => string.Equals(name, host, StringComparison.OrdinalIgnoreCase));

    private static bool IsAllowedOrigin(string origin, HttpRequest request, Func<IEnumerable<Uri>>? trustedOrigins)
    {
        // "null" (a sandboxed frame, a file) and anything else that is not an absolute URL is nobody's origin.
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var page) || !IsLoopbackName(page.Host))
        {
            return false;
        }
        if (string.Equals(page.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            && page.Port == LocalPort(request))
        {
            return true;
        }
        return trustedOrigins is not null && trustedOrigins().Any(trusted =>
            string.Equals(page.Scheme, trusted.Scheme, StringComparison.OrdinalIgnoreCase) && page.Port == trusted.Port && IsLoopbackName(trusted.Host));
    }

    // The port the request arrived on (the Host's port is the caller's word; in-memory test servers have none).
    private static int LocalPort(HttpRequest request) =>
        request.HttpContext.Connection.LocalPort is > 0 and var port ? port : request.Host.Port ?? DefaultPort(request.Scheme);

    private static int DefaultPort(string scheme) => string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? 443 : 80;

    // The refused value is the caller's text: a bounded piece of it is enough to recognise it.
    private static string Shorten(string? value) => value is null ? "" : value.Length <= 100 ? value : value[..100] + "…";
}
