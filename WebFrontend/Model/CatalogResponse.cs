using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Model;

/// <summary>
/// CatalogApi's answer to a write: the product on success, otherwise its status and ProblemDetails, which are
/// passed through to the caller unchanged.
/// </summary>
public sealed record CatalogResponse(int Status, Product? Product, ProblemDetails? Problem);
