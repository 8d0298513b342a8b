namespace WebFrontend.Services;

/// <summary>
/// A cache did not answer; the message names <c>ConnectionStrings:{name}</c>, what the client saw, and what to fix
/// (a wrong password, or no server at those endpoints).
/// </summary>
public sealed class CacheUnavailableException : Exception
{
    private CacheUnavailableException(string name, string message, Exception innerException)
        : base(message, innerException)
        => CacheName = name;

    /// <summary>The <c>ConnectionStrings</c> entry that did not answer.</summary>
    public string CacheName { get; }

    /// <summary>
    /// The error for cache <paramref name="name"/> at <paramref name="configuration"/> (no password in it);
    /// <paramref name="authenticationFailure"/> is an earlier error of the same cache that said the password was refused.
    /// </summary>
    public static CacheUnavailableException Create(string name, string configuration, Exception error, string? authenticationFailure = null)
    {
        // StackExchange.Redis appends a long dump of its counters after the reason: keep the reason.
        var seen = error is OperationCanceledException
            ? $"no answer within {CacheConnection.SwitchTimeout.TotalSeconds:0} s"
            : (authenticationFailure ?? error.Message).Split(", mc: ", 2)[0];
        var fix = IsAuthentication(seen)
            ? $"the password in 'ConnectionStrings:{name}' is not the server's: set the one the server was started with"
            : $"no Redis answered at {Endpoints(configuration)}: start the cache '{name}', or correct the endpoints in 'ConnectionStrings:{name}'";
        return new CacheUnavailableException(name, $"The cache '{name}' ({configuration}) did not answer: {fix}. ({seen})", error);
    }

    /// <summary>Whether a client error says the server refused the password.</summary>
    internal static bool IsAuthentication(string message)
        => message.Contains("WRONGPASS", StringComparison.Ordinal)
           || message.Contains("NOAUTH", StringComparison.Ordinal)
           || message.Contains("AuthenticationFailure", StringComparison.Ordinal)
           || message.Contains("invalid password", StringComparison.OrdinalIgnoreCase);

    private static string Endpoints(string configuration)
        => string.Join(',', configuration.Split(',').Where(p => !p.Contains('=', StringComparison.Ordinal)));
}
