using System.Globalization;
using CatalogApi.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CatalogApi.Apis;

/// <summary>The catalog endpoints under <c>/api/catalog</c>.</summary>
public static class CatalogApi
{
    /// <summary>The largest page a list call may ask for.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Maps the catalog endpoints.</summary>
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/catalog");

        api.MapGet("/items", GetItems);
        api.MapGet("/items/changes", GetChanges);
        api.MapGet("/items/{id}", GetItemById);
        api.MapPost("/items", CreateItem);
        api.MapPut("/items/{id}", UpdateItem);
        api.MapDelete("/items/{id}", DeleteItem);
        api.MapGet("/stats", GetStats);

        return app;
    }

    /// <summary>One page of products, optionally filtered by brand, type and a part of the name.</summary>
    public static async Task<Results<Ok<PaginatedItems<CatalogItem>>, ValidationProblem>> GetItems(
        [AsParameters] CatalogServices services,
        int pageIndex = 0,
        int pageSize = 10,
        string? brand = null,
        string? type = null,
        string? name = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (pageIndex < 0)
        {
            errors["pageIndex"] = ["The page index must not be negative."];
        }
        if (pageSize is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"The page size must be between 1 and {MaxPageSize}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        services.Stats.ListRead();
        var query = services.Context.CatalogItems.AsNoTracking();
        if (!string.IsNullOrEmpty(brand))
        {
            query = query.Where(i => i.Brand == brand);
        }
        if (!string.IsNullOrEmpty(type))
        {
            query = query.Where(i => i.Type == type);
        }
        if (!string.IsNullOrEmpty(name))
        {
            query = query.Where(i => EF.Functions.ILike(i.Name, "%" + name + "%"));
        }

        var count = await query.LongCountAsync();
        var page = await query.OrderBy(i => i.Id).Skip(pageIndex * pageSize).Take(pageSize).ToListAsync();
        return TypedResults.Ok(new PaginatedItems<CatalogItem>(pageIndex, pageSize, count, page));
    }

    /// <summary>The longest look back <see cref="GetChanges"/> allows.</summary>
    public const int MaxChangesSeconds = 3600;

    /// <summary>
    /// The id and version of every product written in the last <paramref name="seconds"/> seconds, by this
    /// service's clock (so a caller on another host needs no synchronized clock). The database is the record of
    /// every write: a web replica that may have lost cache invalidations (a Redis master died before its replica
    /// had them) replays them from this list.
    /// </summary>
    public static async Task<Results<Ok<CatalogChanges>, ValidationProblem>> GetChanges(
        [AsParameters] CatalogServices services,
        int? seconds)
    {
        if (seconds is not { } window || window is < 1 or > MaxChangesSeconds)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["seconds"] = [$"Give how many seconds to look back, from 1 to {MaxChangesSeconds} (e.g. ?seconds=30)."],
            });
        }

        services.Stats.ListRead();
        var since = Now().AddSeconds(-window);
        var items = await services.Context.CatalogItems.AsNoTracking()
            .Where(i => i.UpdatedAt >= since)
            .OrderBy(i => i.Id)
            .Select(i => new CatalogChange(i.Id, i.Version))
            .ToListAsync();
        return TypedResults.Ok(new CatalogChanges(since, items));
    }

    /// <summary>One product, with its version in the body and in the ETag.</summary>
    public static async Task<Results<Ok<CatalogItem>, NotFound, ValidationProblem>> GetItemById(
        HttpContext httpContext,
        [AsParameters] CatalogServices services,
        string id)
    {
        if (!CatalogValidation.TryParseId(id, out var itemId, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        services.Stats.ItemRead();
        var item = await services.Context.CatalogItems.AsNoTracking().SingleOrDefaultAsync(i => i.Id == itemId);
        if (item is null)
        {
            return TypedResults.NotFound();
        }
        SetETag(httpContext, item);
        return TypedResults.Ok(item);
    }

    /// <summary>Creates a product at version 1.</summary>
    public static async Task<Results<Created<CatalogItem>, ValidationProblem>> CreateItem(
        HttpContext httpContext,
        [AsParameters] CatalogServices services,
        CreateCatalogItemRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        CatalogValidation.ValidateText("name", request.Name, 200, errors);
        CatalogValidation.ValidateText("brand", request.Brand, 100, errors);
        CatalogValidation.ValidateText("type", request.Type, 100, errors);
        if (request.Description is { Length: > 2000 })
        {
            errors["description"] = ["The description must be at most 2000 characters."];
        }
        if (request.Price is not { } price)
        {
            errors["price"] = ["The price is required."];
        }
        else
        {
            CatalogValidation.ValidatePrice(price, errors);
        }
        CatalogValidation.ValidateStock(request.Stock ?? 0, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var item = new CatalogItem
        {
            Name = request.Name!.Trim(),
            Description = request.Description ?? "",
            Brand = request.Brand!.Trim(),
            Type = request.Type!.Trim(),
            Price = request.Price!.Value,
            Stock = request.Stock ?? 0,
            Version = 1,
            UpdatedAt = Now(),
        };
        services.Context.CatalogItems.Add(item);
        await services.Context.SaveChangesAsync();
        services.Stats.Write();
        SetETag(httpContext, item);
        return TypedResults.Created($"/api/catalog/items/{item.Id}", item);
    }

    /// <summary>
    /// Changes the price and/or the stock and increments the version. With <c>If-Match: "v"</c> the update only
    /// applies to version v (412 otherwise); without it, an update racing another is retried a few times, then 409.
    /// </summary>
    public static async Task<Results<Ok<CatalogItem>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateItem(
        HttpContext httpContext,
        [AsParameters] CatalogServices services,
        string id,
        UpdateCatalogItemRequest request,
        [FromHeader(Name = "If-Match")] string? ifMatch)
    {
        if (!CatalogValidation.TryParseId(id, out var itemId, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (request.Price is null && request.Stock is null)
        {
            errors["price"] = ["Give a price, a stock, or both."];
        }
        if (request.Price is { } price)
        {
            CatalogValidation.ValidatePrice(price, errors);
        }
        if (request.Stock is { } stock)
        {
            CatalogValidation.ValidateStock(stock, errors);
        }
        if (!CatalogValidation.TryParseIfMatch(ifMatch, out var expectedVersion))
        {
            errors["If-Match"] = [$"The If-Match header '{ifMatch}' names no version; send the ETag of the product, e.g. \"3\"."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        const int MaxAttempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var item = await services.Context.CatalogItems.SingleOrDefaultAsync(i => i.Id == itemId);
            if (item is null)
            {
                return TypedResults.NotFound();
            }
            if (expectedVersion is { } expected && item.Version != expected)
            {
                return StaleVersion(itemId, expected, item.Version);
            }

            item.Price = request.Price ?? item.Price;
            item.Stock = request.Stock ?? item.Stock;
            item.Version++;
            item.UpdatedAt = Now();
            try
            {
                await services.Context.SaveChangesAsync();
                services.Stats.Write();
                SetETag(httpContext, item);
                return TypedResults.Ok(item);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Another update committed between our read and our write.
                services.Context.ChangeTracker.Clear();
                if (expectedVersion is { } stale)
                {
                    return StaleVersion(itemId, stale, null);
                }
                if (attempt == MaxAttempts)
                {
                    services.Logger.LogWarning("Update of product {Id} lost {Attempts} races in a row", itemId, attempt);
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status409Conflict,
                        title: "Concurrent update.",
                        detail: $"Product {itemId} kept changing while this update was applied; read it again and retry.");
                }
            }
        }
    }

    /// <summary>Deletes a product.</summary>
    public static async Task<Results<NoContent, NotFound, ValidationProblem>> DeleteItem(
        [AsParameters] CatalogServices services,
        string id)
    {
        if (!CatalogValidation.TryParseId(id, out var itemId, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }
        var deleted = await services.Context.CatalogItems.Where(i => i.Id == itemId).ExecuteDeleteAsync();
        if (deleted == 0)
        {
            return TypedResults.NotFound();
        }
        services.Stats.Write();
        return TypedResults.NoContent();
    }

    /// <summary>The call counters since start: <c>{ itemReads, listReads, writes }</c>.</summary>
    public static Ok<CatalogStats> GetStats([AsParameters] CatalogServices services) => TypedResults.Ok(services.Stats);

    private static ProblemHttpResult StaleVersion(int id, int expected, int? current) => TypedResults.Problem(
        statusCode: StatusCodes.Status412PreconditionFailed,
        title: "The product changed since it was read.",
        detail: current is { } version
            ? $"If-Match names version {expected} of product {id}, the current version is {version}; read it again."
            : $"If-Match names version {expected} of product {id}, which another update just replaced; read it again.",
        extensions: new Dictionary<string, object?> { ["field"] = "If-Match" });

    // Postgres keeps microseconds: truncate so that the answer to a write equals what a later read returns.
    private static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % 10));
    }

    private static void SetETag(HttpContext httpContext, CatalogItem item)
        => httpContext.Response.Headers.ETag = "\"" + item.Version.ToString(CultureInfo.InvariantCulture) + "\"";
}
