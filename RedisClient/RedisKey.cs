using System.Text;

namespace RedisClient;

/// <summary>A key: UTF-8 text or raw bytes.</summary>
public readonly struct RedisKey : IEquatable<RedisKey>
{
    private readonly object? _value;

    private RedisKey(object? value) => _value = value;

    /// <summary>The held object (null, string or byte[]), for the writer and the slot hash.</summary>
    internal object? RawValue => _value;

    /// <summary>The key as a value to write, without copying.</summary>
    internal RedisValue AsValue() => _value switch
    {
        string s => s,
        byte[] b => b,
        _ => RedisValue.Null,
    };

    /// <summary>True when no key was given.</summary>
    public bool IsNull => _value is null;

    /// <summary>The key's bytes (UTF-8 for text keys).</summary>
    public byte[] ToBytes() => _value switch
    {
        null => [],
        string s => Encoding.UTF8.GetBytes(s),
        byte[] b => b,
        _ => throw new InvalidOperationException(),
    };

    /// <inheritdoc />
    public override string ToString() => _value switch
    {
        null => "",
        string s => s,
        byte[] b => Encoding.UTF8.GetString(b),
        _ => "",
    };

    /// <inheritdoc />
    public bool Equals(RedisKey other) => ToBytes().AsSpan().SequenceEqual(other.ToBytes());

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RedisKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(ToBytes());
        return hash.ToHashCode();
    }

    /// <summary>Equality by bytes.</summary>
    public static bool operator ==(RedisKey left, RedisKey right) => left.Equals(right);

    /// <summary>Inequality by bytes.</summary>
    public static bool operator !=(RedisKey left, RedisKey right) => !left.Equals(right);

    /// <summary>A text key.</summary>
    public static implicit operator RedisKey(string? key) => new(key);

    /// <summary>A binary key.</summary>
    public static implicit operator RedisKey(byte[]? key) => new(key);
}
