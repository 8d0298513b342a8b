using System.Net.Sockets;

namespace LoadGen.Running;

/// <summary>Names failed requests by what a person would fix: the HTTP status, a timeout, or the connection.</summary>
internal static class ErrorKinds
{
    public const string Timeout = "timeout";
    public const string BadResponse = "bad-response";

    public static string ForStatus(int statusCode) => statusCode switch
    {
        404 => "http-404",
        500 => "http-500",
        502 => "http-502",
        503 => "http-503",
        504 => "http-504",
        _ => "http-" + statusCode,
    };

    public static string ForException(HttpRequestException exception)
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection-refused",
                    SocketError.ConnectionReset => "connection-reset",
                    SocketError.TimedOut => Timeout,
                    _ => "socket-" + socket.SocketErrorCode.ToString().ToLowerInvariant(),
                };
            }
        }

        return exception.HttpRequestError switch
        {
            HttpRequestError.ResponseEnded => "response-ended",
            HttpRequestError.ConnectionError => "connection-error",
            HttpRequestError.InvalidResponse => "invalid-response",
            _ => "http-request-error",
        };
    }
}
