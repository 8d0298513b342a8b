namespace WebFrontend.FunctionalTests;

/// <summary>Reads the replica headers of a response.</summary>
internal static class ResponseExtensions
{
    public static string Cache(this HttpResponseMessage response) => Header(response, "X-Cache");

    public static string ServedBy(this HttpResponseMessage response) => Header(response, "X-Served-By");

    private static string Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : $"(no {name})";
}
