using System.Text.Json;

namespace LoadGen.Lab;

/// <summary>The outcome of a lab action, before it becomes an HTTP answer.</summary>
/// <param name="Status">The HTTP status to answer.</param>
/// <param name="Body">The control API's answer on success (or its ProblemDetails on failure).</param>
/// <param name="Field">The request field that was wrong (400), or null.</param>
/// <param name="Message">Why it was refused or failed, or null on success.</param>
public sealed record LabResult(int Status, JsonElement? Body, string? Field, string? Message)
{
    /// <summary>400: a field was wrong; nothing was sent.</summary>
    public static LabResult Invalid(string field, string message) => new(StatusCodes.Status400BadRequest, null, field, message);

    /// <summary>409: another action runs; nothing was sent.</summary>
    public static LabResult Busy(string message) => new(StatusCodes.Status409Conflict, null, null, message);

    /// <summary>503: no control API (or it does not answer).</summary>
    public static LabResult Unavailable(string message) => new(StatusCodes.Status503ServiceUnavailable, null, null, message);

    /// <summary>The control API's answer: 2xx passes, 400/404/409 keep their status, anything else is a 502.</summary>
    public static LabResult From(ControlResponse response) => response.IsSuccess
        ? new(StatusCodes.Status200OK, response.Body, null, null)
        : new(response.Status is 400 or 404 or 409 ? response.Status : StatusCodes.Status502BadGateway, response.Body, null, response.Describe());
}
