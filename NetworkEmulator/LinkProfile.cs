using System.Globalization;

namespace NetworkEmulation;

/// <summary>
/// What an emulated link does to every byte, the same in both directions: a one-way delay and a bandwidth.
/// Built from a named profile (<c>lan</c>, <c>lan-10g</c>, <c>cross-zone</c>) or custom values
/// (<c>--network-delay 200us --network-rate 1gbit</c>) by <see cref="Parse(string?, string?, string?)"/>.
/// </summary>
public sealed record LinkProfile
{
    /// <summary>The longest one-way delay a profile accepts (the shortest is 0).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    /// <summary>The lowest rate a profile accepts, in bits per second (1 Mbit/s).</summary>
    public const long MinRate = 1_000_000;

    /// <summary>The highest rate a profile accepts, in bits per second (100 Gbit/s).</summary>
    public const long MaxRate = 100_000_000_000;

    /// <summary>One switch between two hosts of a rack: 100 µs one-way, 1 Gbit/s.</summary>
    public static readonly LinkProfile Lan = new("lan", TimeSpan.FromMicroseconds(100), 1_000_000_000);

    /// <summary>A 10 Gbit/s LAN: 50 µs one-way.</summary>
    public static readonly LinkProfile Lan10G = new("lan-10g", TimeSpan.FromMicroseconds(50), 10_000_000_000);

    /// <summary>Two availability zones of one cloud region: 500 µs one-way, 10 Gbit/s.</summary>
    public static readonly LinkProfile CrossZone = new("cross-zone", TimeSpan.FromMicroseconds(500), 10_000_000_000);

    /// <summary>The relay alone: no delay, no bandwidth limit (what the emulator itself costs).</summary>
    public static readonly LinkProfile Unlimited = new("unlimited", TimeSpan.Zero, 0);

    /// <summary>The named profiles <see cref="Parse(string?, string?, string?)"/> knows.</summary>
    public static IReadOnlyList<LinkProfile> Named { get; } = [Lan, Lan10G, CrossZone];

    private LinkProfile(string name, TimeSpan delay, long rate)
    {
        Name = name;
        Delay = delay;
        RateBitsPerSecond = rate;
    }

    /// <summary>The profile's name, or <c>custom</c>.</summary>
    public string Name { get; }

    /// <summary>The one-way delay added to every byte after it has been transmitted.</summary>
    public TimeSpan Delay { get; }

    /// <summary>The bandwidth of each direction in bits per second; 0 means unlimited.</summary>
    public long RateBitsPerSecond { get; }

    /// <summary>A profile with these values, checked against the allowed ranges.</summary>
    public static LinkProfile Custom(TimeSpan delay, long rateBitsPerSecond)
    {
        if (delay < TimeSpan.Zero || delay > MaxDelay)
        {
            throw new ArgumentOutOfRangeException(null,
                $"The network delay {FormatDelay(delay)} is out of range: use 0 to 1 s (e.g. 200us, 1.5ms).");
        }

        if (rateBitsPerSecond is < MinRate or > MaxRate)
        {
            throw new ArgumentOutOfRangeException(null,
                $"The network rate {FormatRate(rateBitsPerSecond)} is out of range: use 1mbit to 100gbit (e.g. 1gbit, 250mbit).");
        }

        return new LinkProfile("custom", delay, rateBitsPerSecond);
    }

    /// <summary>
    /// The profile named by <paramref name="profile"/> (default <c>lan</c>), with its delay and rate replaced by
    /// <paramref name="delay"/> (<c>200us</c>, <c>1.5ms</c>, <c>0</c>) and <paramref name="rate"/> (<c>1gbit</c>,
    /// <c>250mbit</c>) where given. Throws <see cref="ArgumentException"/> saying what is accepted.
    /// </summary>
    public static LinkProfile Parse(string? profile, string? delay = null, string? rate = null)
    {
        var named = Lan;
        if (!string.IsNullOrWhiteSpace(profile))
        {
            named = Named.FirstOrDefault(p => string.Equals(p.Name, profile.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException(
                    $"Unknown network profile '{profile}'. Use one of: {Describe()}; or set --network-delay and --network-rate.");
        }

        if (string.IsNullOrWhiteSpace(delay) && string.IsNullOrWhiteSpace(rate))
        {
            return named;
        }

        return Custom(
            string.IsNullOrWhiteSpace(delay) ? named.Delay : ParseDelay(delay),
            string.IsNullOrWhiteSpace(rate) ? named.RateBitsPerSecond : ParseRate(rate));
    }

    /// <summary>The named profiles with their values, as an error message lists them.</summary>
    public static string Describe() => string.Join(", ", Named.Select(p => $"{p.Name} ({p})"));

    /// <summary>A delay such as <c>200us</c>, <c>200µs</c>, <c>1.5ms</c>, <c>0.001s</c> or <c>0</c>.</summary>
    public static TimeSpan ParseDelay(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, unit) = Split(text);
        double? scale = unit switch
        {
            "" when number == 0 => 0,
            "ns" => 1e-9,
            "us" or "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1,
            _ => null,
        };
        if (number is not { } value || scale is null)
        {
            throw new ArgumentException(
                $"The network delay '{text}' is not a delay: write a number and a unit (ns, us, ms, s), e.g. 200us or 1.5ms.");
        }

        var seconds = value * scale.Value;
        if (seconds < 0 || seconds > MaxDelay.TotalSeconds)
        {
            throw new ArgumentOutOfRangeException(null,
                $"The network delay '{text}' is out of range: use 0 to 1 s (e.g. 200us, 1.5ms).");
        }

        return TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
    }

    /// <summary>A rate in bits per second such as <c>1gbit</c>, <c>250mbit</c>, <c>10gbit</c>, <c>500kbit</c>.</summary>
    public static long ParseRate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, unit) = Split(text);
        double? scale = unit switch
        {
            "bit" or "bps" => 1,
            "kbit" or "kbps" => 1e3,
            "mbit" or "mbps" => 1e6,
            "gbit" or "gbps" => 1e9,
            _ => null,
        };
        if (number is not { } value || scale is null)
        {
            throw new ArgumentException(
                $"The network rate '{text}' is not a rate: write a number and a unit (kbit, mbit, gbit), e.g. 1gbit or 250mbit.");
        }

        var bits = value * scale.Value;
        if (bits < MinRate || bits > MaxRate)
        {
            throw new ArgumentOutOfRangeException(null,
                $"The network rate '{text}' is out of range: use 1mbit to 100gbit (e.g. 1gbit, 250mbit).");
        }

        return (long)Math.Round(bits);
    }

    /// <inheritdoc/>
    public override string ToString() => RateBitsPerSecond == 0
        ? $"{FormatDelay(Delay)} one-way, unlimited"
        : $"{FormatDelay(Delay)} one-way, {FormatRate(RateBitsPerSecond)}";

    private static (double? Number, string Unit) Split(string text)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        var end = 0;
        while (end < trimmed.Length && (char.IsAsciiDigit(trimmed[end]) || trimmed[end] is '.' or '-' or '+'))
        {
            end++;
        }

        return double.TryParse(trimmed.AsSpan(0, end), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number)
            ? (number, trimmed[end..].Trim())
            : (null, trimmed);
    }

    private static string FormatDelay(TimeSpan delay) => delay.TotalMilliseconds >= 1
        ? $"{delay.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms"
        : $"{delay.TotalMicroseconds.ToString("0.###", CultureInfo.InvariantCulture)} µs";

    private static string FormatRate(long rate) => rate switch
    {
        >= 1_000_000_000 => $"{(rate / 1e9).ToString("0.###", CultureInfo.InvariantCulture)} Gbit/s",
        >= 1_000_000 => $"{(rate / 1e6).ToString("0.###", CultureInfo.InvariantCulture)} Mbit/s",
        _ => $"{(rate / 1e3).ToString("0.###", CultureInfo.InvariantCulture)} kbit/s",
    };
}
