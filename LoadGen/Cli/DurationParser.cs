using System.Globalization;

namespace LoadGen.Cli;

/// <summary>Parses the durations people type: <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>500ms</c>, or a number of seconds.</summary>
public static class DurationParser
{
    /// <summary>True when <paramref name="text"/> is a non-negative duration.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.Trim().AsSpan();
        var (unit, scale) = span switch
        {
            _ when span.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (2, 0.001),
            _ when span.EndsWith("s", StringComparison.OrdinalIgnoreCase) => (1, 1.0),
            _ when span.EndsWith("m", StringComparison.OrdinalIgnoreCase) => (1, 60.0),
            _ when span.EndsWith("h", StringComparison.OrdinalIgnoreCase) => (1, 3600.0),
            _ => (0, 1.0),
        };

        if (!double.TryParse(span[..^unit], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !(value >= 0) || double.IsInfinity(value) || value * scale > TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }
}
