using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Closes an API that binds 127.0.0.1 to web pages: a page whose DNS name is rebound to 127.0.0.1 reaches the port,
/// but its requests carry its own name as <c>Host</c>, and its scripts carry its <c>Origin</c>. Both are refused with a
/// ProblemDetails before any endpoint runs, so nothing happens.
/// </summary>
public static class LoopbackOnlyExtensions
{
    /// <summary>
    /// Answers 400 to a request whose <c>Host</c> is not <c>localhost</c>, <c>127.0.0.1</c> or <c>[::1]</c> (any port),
    /// and 403 to one whose <c>Origin</c> is neither the API's own (a loopback name on the same scheme and port) nor one
    /// of <paramref name="trustedOrigins"/>. Requests without an <c>Origin</c> (curl, server-side clients) pass.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <param name="trustedOrigins">
    /// Pages on another port that may call the API from a browser, e.g. the lab page's URL; read only when a request
    /// carries a foreign <c>Origin</c>. Matched on scheme and port, under any loopback name.
    /// </param>
    public static IApplicationBuilder UseLoopbackOnly(this IApplicationBuilder app, Func<IEnumerable<Uri>>? trustedOrigins = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(async (context, next) =>
        {
            if (LoopbackRequestCheck.Refuse(context.Request, trustedOrigins) is { } problem)
            {
                await problem.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });
    }
}
