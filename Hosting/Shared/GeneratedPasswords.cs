using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>The one way every server of the sample gets its password, local or container.</summary>
public static class GeneratedPasswords
{
    /// <summary>
    /// A generated secret parameter <c>{resourceName}-password</c>: letters and digits only (no escaping in a connection
    /// string), never written to user secrets (<c>persist: false</c>), so each run has its own.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddGeneratedPassword(this IDistributedApplicationBuilder builder, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddParameter($"{resourceName}-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: false);
    }
}
