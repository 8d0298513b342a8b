using System.Net.Http.Headers;
using System.Text.Json;
using LoadGen.Metrics;

namespace LoadGen.Running;

/// <summary>Reads what LoadGen needs from WebFrontend's product responses, without deserializing the whole product.</summary>
internal static class ProductResponse
{
    /// <summary>Finds the top-level <c>"version"</c> number of a product JSON body.</summary>
    public static bool TryReadVersion(ReadOnlySpan<byte> json, out long version)
    {
        version = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVersion = reader.ValueTextEquals("version"u8) || reader.ValueTextEquals("Version"u8);
                reader.Read();
                if (isVersion)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out version);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>The version from the <c>ETag</c> header (<c>"42"</c> or <c>W/"42"</c>), the fallback when the body has none.</summary>
    public static bool TryReadVersion(HttpResponseHeaders headers, out long version)
    {
        version = 0;
        var tag = headers.ETag?.Tag;
        return tag is { Length: > 2 } && long.TryParse(tag.AsSpan(1, tag.Length - 2), out version);
    }

    public static CacheOutcome CacheOutcomeOf(HttpResponseHeaders headers)
    {
        var value = FirstValue(headers, "X-Cache");
        if (value is null)
        {
            return CacheOutcome.Unknown;
        }

        if (value.Equals("hit", StringComparison.OrdinalIgnoreCase))
        {
            return CacheOutcome.Hit;
        }

        if (value.Equals("miss", StringComparison.OrdinalIgnoreCase))
        {
            return CacheOutcome.Miss;
        }

        return value.Equals("bypass", StringComparison.OrdinalIgnoreCase) ? CacheOutcome.Bypass : CacheOutcome.Unknown;
    }

    public static string? FirstValue(HttpResponseHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
