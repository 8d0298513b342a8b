namespace Hosting;

/// <summary>A problem with the app model or its environment; the message says how to fix it.</summary>
public sealed class DistributedApplicationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedApplicationException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public DistributedApplicationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
