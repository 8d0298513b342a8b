using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Model;

/// <summary>
/// CatalogApi's answer to a write: the product on success, otherwise its status and ProblemDetails, which are
/// passed through to the caller unchanged.
/// </summary>
public sealed record CatalogResponse(int Status, Product? Product, ProblemDetails? Problem)
{
    /// <summary>
    /// What happened to the cached copy after a successful write, sent as <c>X-Cache-Invalidation</c>: <c>deleted</c>,
    /// <c>confirmed-by-N</c> (WAIT: N Redis replicas have the delete), <c>unconfirmed</c>, <c>failed</c>, or <c>none</c> (no cache).
    /// </summary>
    public string? Invalidation { get; init; }
}
