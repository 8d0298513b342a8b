using System.Globalization;
using System.Text;

namespace RedisClient;

/// <summary>
/// A value read from or written to Redis: null, text, bytes or a number. Bytes read from the server are held as
/// the one array they were copied into; no further copy is made on the way to the caller.
/// </summary>
public readonly struct RedisValue : IEquatable<RedisValue>
{
    private readonly object? _value;

    private RedisValue(object? value) => _value = value;

    /// <summary>The held object (null, string, byte[], ReadOnlyMemory&lt;byte&gt;, long or double), for the writer.</summary>
    internal object? RawValue => _value;

    /// <summary>The absent value (a nil reply).</summary>
    public static RedisValue Null => default;

    /// <summary>True for a nil reply.</summary>
    public bool IsNull => _value is null;

    /// <summary>True when not null.</summary>
    public bool HasValue => _value is not null;

    /// <summary>The value as bytes (UTF-8 for text, invariant digits for numbers); empty for null.</summary>
    public ReadOnlyMemory<byte> AsMemory() => _value switch
    {
        null => ReadOnlyMemory<byte>.Empty,
        byte[] b => b,
        ReadOnlyMemory<byte> m => m,
        string s => Encoding.UTF8.GetBytes(s),
        long l => Encoding.ASCII.GetBytes(l.ToString(CultureInfo.InvariantCulture)),
        double d => Encoding.ASCII.GetBytes(d.ToString("R", CultureInfo.InvariantCulture)),
        _ => throw new InvalidOperationException(),
    };

    /// <inheritdoc />
    public override string ToString() => _value switch
    {
        null => "",
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Encoding.UTF8.GetString(AsMemory().Span),
    };

    /// <inheritdoc />
    public bool Equals(RedisValue other)
        => IsNull == other.IsNull && AsMemory().Span.SequenceEqual(other.AsMemory().Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RedisValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(AsMemory().Span);
        return hash.ToHashCode();
    }

    /// <summary>Equality by bytes.</summary>
    public static bool operator ==(RedisValue left, RedisValue right) => left.Equals(right);

    /// <summary>Inequality by bytes.</summary>
    public static bool operator !=(RedisValue left, RedisValue right) => !left.Equals(right);

    /// <summary>Text (null stays null).</summary>
    public static implicit operator RedisValue(string? value) => new(value);

    /// <summary>Bytes (null stays null); the array is not copied.</summary>
    public static implicit operator RedisValue(byte[]? value) => new(value);

    /// <summary>Bytes; the memory is not copied.</summary>
    public static implicit operator RedisValue(ReadOnlyMemory<byte> value) => new(value);

    /// <summary>An integer.</summary>
    public static implicit operator RedisValue(long value) => new(value);

    /// <summary>A floating-point number.</summary>
    public static implicit operator RedisValue(double value) => new(value);

    /// <summary>The text, or null for a nil reply.</summary>
    public static explicit operator string?(RedisValue value) => value.IsNull ? null : value.ToString();

    /// <summary>The bytes, or null for a nil reply (the held array itself when the value was read as bytes).</summary>
    public static explicit operator byte[]?(RedisValue value) => value._value switch
    {
        null => null,
        byte[] b => b,
        _ => value.AsMemory().ToArray(),
    };

    /// <summary>The integer; throws <see cref="FormatException"/> when the value is not one.</summary>
    public static explicit operator long(RedisValue value) => value._value switch
    {
        long l => l,
        _ => long.Parse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture),
    };
}
