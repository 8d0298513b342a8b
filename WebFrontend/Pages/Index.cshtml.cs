using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace WebFrontend.Pages;

/// <summary>The product list, one page at a time, straight from CatalogApi (lists are not cached).</summary>
public sealed class IndexModel(CatalogClient catalog) : PageModel
{
    /// <summary>Products per page.</summary>
    public const int PageSize = 20;

    /// <summary>The page shown.</summary>
    public ProductPage Products { get; private set; } = new(0, PageSize, 0, []);

    /// <summary>How many pages there are.</summary>
    public long PageCount => Math.Max(1, (Products.Count + PageSize - 1) / PageSize);

    /// <summary>Loads page <paramref name="pageIndex"/> (0-based).</summary>
    public async Task<IActionResult> OnGetAsync([FromQuery] int pageIndex, CancellationToken cancellationToken)
    {
        if (pageIndex < 0)
        {
            return BadRequest();
        }
        Products = await catalog.GetItemsAsync(pageIndex, PageSize, cancellationToken);
        return Page();
    }
}
