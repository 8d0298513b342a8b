namespace Scaleout.Integration;

/// <summary>
/// A ScaleOut StateServer setting is missing or wrong. The message names the setting and says how to fix it;
/// <see cref="Setting"/> carries the name for code that wants to point at it.
/// </summary>
public sealed class ScaleOutConfigurationException(string setting, string message, Exception? innerException = null)
    : InvalidOperationException(message, innerException)
{
    /// <summary>The configuration key at fault, e.g. <c>Parameters:soss-hosts</c>.</summary>
    public string Setting { get; } = setting;
}
