namespace LoadGen.Reporting;

/// <summary>One system of a comparison: a label and where to send the traffic.</summary>
/// <param name="Label">The row's name in the table (a topology name, or the base URL).</param>
/// <param name="BaseUrl">The load balancer's base URL.</param>
/// <param name="CatalogUrl">CatalogApi's base URL for the database load, if known.</param>
public sealed record CompareTarget(string Label, string BaseUrl, string? CatalogUrl);
