using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer;

/// <summary>
/// Sends a request once more, to another replica, when the connection to the chosen one failed before any byte of
/// an answer: what HAProxy's <c>option redispatch</c> and NGINX's <c>proxy_next_upstream error</c> do. A GET or HEAD
/// without a body is retried after any failure to connect, send or receive the response headers (<see cref="ForwarderError.Request"/>):
/// it is idempotent. Any other method only when the connection itself could not be made (refused, unreachable):
/// nothing of it reached the replica, so it cannot have been applied; a write whose replica dies after it was sent
/// is not retried and answers 502. Runs in YARP's pipeline around affinity, load balancing and the passive health
/// check, which has marked the failed replica unhealthy by the time the request is sent again.
/// </summary>
public sealed partial class ReplicaRetry(ILogger<ReplicaRetry> logger)
{
    /// <summary>The pipeline step: forward, and on a connection failure forward once more to another candidate.</summary>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var feature = context.GetReverseProxyFeature();
        var candidates = feature.AvailableDestinations;
        await next().ConfigureAwait(false);

        if (feature.ProxiedDestination is not { } failed || context.GetForwarderErrorFeature() is not { } error || !IsRetriable(context, error))
        {
            return;
        }
        var others = new List<DestinationState>(candidates.Count);
        foreach (var candidate in candidates)
        {
            if (candidate != failed && candidate.Health.Passive != DestinationHealth.Unhealthy && candidate.Health.Active != DestinationHealth.Unhealthy)
            {
                others.Add(candidate);
            }
        }
        if (others.Count == 0)
        {
            return;
        }
        LogRetry(logger, context.Request.Method, context.Request.Path, ReplicaDrain.ReplicaOf(failed), error.Exception?.Message ?? error.Error.ToString());
        // Nothing was sent to the client yet: forget the failed attempt (its 502, its headers) and try again.
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.Clear();
        feature.AvailableDestinations = others;
        feature.ProxiedDestination = null;
        await next().ConfigureAwait(false);
    }

    /// <summary>Whether a failed attempt may be sent to another replica (see the class summary).</summary>
    internal static bool IsRetriable(HttpContext context, IForwarderErrorFeature error)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested || error.Error != ForwarderError.Request)
        {
            return false;
        }
        var request = context.Request;
        var idempotent = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        return (idempotent && !hasBody) || NeverConnected(error.Exception);
    }

    /// <summary>True when the connection could not be made at all, so no byte of the request left the load balancer.</summary>
    internal static bool NeverConnected(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
                || e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
            {
                return true;
            }
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: {Replica} failed before answering ({Reason}); sent once more to another replica")]
    private static partial void LogRetry(ILogger logger, string method, string path, string replica, string reason);
}
