using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace WebFrontend.Pages.Products;

/// <summary>One product through the cache, with a form that changes its price.</summary>
public sealed class ProductModel(ProductService products) : PageModel
{
    /// <summary>The product shown.</summary>
    public Product? Product { get; private set; }

    /// <summary>Where it came from: hit, miss or bypass.</summary>
    public string CacheStatus { get; private set; } = "bypass";

    /// <summary>Why the last price change was refused, if it was.</summary>
    public string? Error { get; private set; }

    /// <summary>Shows the product.</summary>
    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!ProductsApi.TryParseId(id, out var productId, out _))
        {
            return NotFound();
        }
        return await ShowAsync(productId, cancellationToken);
    }

    /// <summary>Changes the price (conditional on the version shown), then shows the product again.</summary>
    public async Task<IActionResult> OnPostAsync(string id, [FromForm] string? price, [FromForm] int? version, CancellationToken cancellationToken)
    {
        if (!ProductsApi.TryParseId(id, out var productId, out _))
        {
            return NotFound();
        }
        var errors = new Dictionary<string, string[]>();
        decimal? value = decimal.TryParse(price, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        ProductsApi.ValidatePrice(value, errors);
        if (errors.Count == 0)
        {
            var ifMatch = version is { } v ? $"\"{v}\"" : null;
            var response = await products.UpdatePriceAsync(productId, value!.Value, ifMatch, cancellationToken);
            if (response.Product is not null)
            {
                return RedirectToPage(new { id });
            }
            Error = response.Problem?.Detail ?? response.Problem?.Title ?? $"CatalogApi answered {response.Status}.";
        }
        else
        {
            Error = errors["price"][0];
        }
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return await ShowAsync(productId, cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(int id, CancellationToken cancellationToken)
    {
        var read = await products.GetAsync(id, cancellationToken);
        CacheStatus = ProductService.Format(read.Cache);
        Response.Headers["X-Cache"] = CacheStatus;
        if (read.Product is null)
        {
            return NotFound();
        }
        Product = read.Product;
        ProductsApi.SetETag(HttpContext, read.Product);
        return Page();
    }
}
