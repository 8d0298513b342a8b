using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Apis;

/// <summary>The JSON endpoints LoadGen drives, under <c>/api/products</c>.</summary>
public static class ProductsApi
{
    /// <summary>The highest price accepted (the same rule as CatalogApi's, checked here to fail fast).</summary>
    public const decimal MaxPrice = 1_000_000m;

    /// <summary>Maps <c>GET /api/products/{id}</c> and <c>PUT /api/products/{id}/price</c>.</summary>
    public static IEndpointRouteBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/products");
        api.MapGet("/{id}", GetProduct);
        api.MapPut("/{id}/price", UpdatePrice);
        return app;
    }

    /// <summary>A product through the cache; <c>X-Cache</c> says hit, miss or bypass, <c>ETag</c> the version.</summary>
    public static async Task<Results<Ok<Product>, NotFound, ValidationProblem>> GetProduct(
        HttpContext httpContext,
        ProductService products,
        string id,
        CancellationToken cancellationToken)
    {
        if (!TryParseId(id, out var productId, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }
        var read = await products.GetAsync(productId, cancellationToken);
        httpContext.Response.Headers["X-Cache"] = ProductService.Format(read.Cache);
        if (read.Product is null)
        {
            return TypedResults.NotFound();
        }
        SetETag(httpContext, read.Product);
        return TypedResults.Ok(read.Product);
    }

    /// <summary>
    /// Sets the price in CatalogApi (If-Match, when sent, is passed on), then deletes the cached copy in the cache
    /// this replica uses. Answers the updated product, or CatalogApi's ProblemDetails.
    /// </summary>
    public static async Task<Results<Ok<Product>, NotFound, ValidationProblem, ProblemHttpResult>> UpdatePrice(
        HttpContext httpContext,
        ProductService products,
        string id,
        UpdatePriceRequest request,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        CancellationToken cancellationToken)
    {
        TryParseId(id, out var productId, out var errors);
        ValidatePrice(request.Price, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var response = await products.UpdatePriceAsync(productId, request.Price!.Value, ifMatch, cancellationToken);
        httpContext.Response.Headers["X-Cache"] = "bypass";
        if (response.Product is { } product)
        {
            httpContext.Response.Headers["X-Cache-Invalidation"] = response.Invalidation;
            SetETag(httpContext, product);
            return TypedResults.Ok(product);
        }
        if (response.Status == StatusCodes.Status404NotFound)
        {
            return TypedResults.NotFound();
        }
        var problem = response.Problem ?? new ProblemDetails { Title = "CatalogApi refused the update." };
        problem.Status = response.Status;
        return TypedResults.Problem(problem);
    }

    /// <summary>Parses a route id: a positive 32-bit integer.</summary>
    public static bool TryParseId(string text, out int id, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0)
        {
            return true;
        }
        errors["id"] = [$"The id '{text}' is not valid: it must be a positive integer."];
        return false;
    }

    /// <summary>Adds an error when the price is missing, negative, above <see cref="MaxPrice"/> or has more than 2 decimals.</summary>
    public static void ValidatePrice(decimal? price, Dictionary<string, string[]> errors)
    {
        if (price is not { } value)
        {
            errors["price"] = ["The price is required."];
        }
        else if (value < 0)
        {
            errors["price"] = ["The price must not be negative."];
        }
        else if (value > MaxPrice)
        {
            errors["price"] = [$"The price must not exceed {MaxPrice.ToString(CultureInfo.InvariantCulture)}."];
        }
        else if (decimal.Round(value, 2) != value)
        {
            errors["price"] = ["The price must have at most 2 decimals."];
        }
    }

    /// <summary>Sets <c>ETag: "&lt;version&gt;"</c>.</summary>
    public static void SetETag(HttpContext httpContext, Product product)
        => httpContext.Response.Headers.ETag = "\"" + product.Version.ToString(CultureInfo.InvariantCulture) + "\"";
}
