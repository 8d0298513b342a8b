namespace WebFrontend.Services;

/// <summary>A cache's configuration cannot be used; the message names <c>ConnectionStrings:{name}</c> and what to fix.</summary>
public sealed class CacheConfigurationException : InvalidOperationException
{
    /// <summary>Creates the error for cache <paramref name="name"/>.</summary>
    public CacheConfigurationException(string name, string message, Exception? innerException = null)
        : base(message, innerException)
        => CacheName = name;

    /// <summary>The <c>ConnectionStrings</c> entry at fault.</summary>
    public string CacheName { get; }
}
