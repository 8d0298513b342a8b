using System.Globalization;

namespace CatalogApi.Apis;

/// <summary>The rules for ids, prices and stock, each answering the field name and what is wrong.</summary>
internal static class CatalogValidation
{
    /// <summary>The highest price accepted: anything above is a typo, not a product.</summary>
    public const decimal MaxPrice = 1_000_000m;

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

    /// <summary>Adds an error for <paramref name="price"/> when it is negative, too large or has more than 2 decimals.</summary>
    public static void ValidatePrice(decimal price, Dictionary<string, string[]> errors)
    {
        if (price < 0)
        {
            errors["price"] = ["The price must not be negative."];
        }
        else if (price > MaxPrice)
        {
            errors["price"] = [$"The price must not exceed {MaxPrice.ToString(CultureInfo.InvariantCulture)}."];
        }
        else if (decimal.Round(price, 2) != price)
        {
            errors["price"] = ["The price must have at most 2 decimals."];
        }
    }

    /// <summary>Adds an error for <paramref name="stock"/> when it is negative.</summary>
    public static void ValidateStock(int stock, Dictionary<string, string[]> errors)
    {
        if (stock < 0)
        {
            errors["stock"] = ["The stock must not be negative."];
        }
    }

    /// <summary>Adds an error for a required text that is missing, blank or longer than <paramref name="maxLength"/>.</summary>
    public static void ValidateText(string name, string? value, int maxLength, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[name] = [$"The {name} is required."];
        }
        else if (value.Length > maxLength)
        {
            errors[name] = [$"The {name} must be at most {maxLength} characters."];
        }
    }

    /// <summary>
    /// Reads an If-Match header: <c>"3"</c>, <c>W/"3"</c> or <c>3</c> is version 3, <c>*</c> or absent is any version.
    /// False when the header is present but names no version.
    /// </summary>
    public static bool TryParseIfMatch(string? header, out int? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(header) || header.Trim() == "*")
        {
            return true;
        }
        var text = header.Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }
        text = text.Trim('"');
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            version = parsed;
            return true;
        }
        return false;
    }
}
