namespace Microsoft.Extensions.Hosting;

/// <summary>Defaults every service of the sample shares: telemetry, health endpoints, HttpClient defaults.</summary>
public static class Extensions
{
}
