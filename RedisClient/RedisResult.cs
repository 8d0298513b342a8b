namespace RedisClient;

/// <summary>The kind of a reply, as RESP2/RESP3 defines it.</summary>
public enum RedisResultType
{
    /// <summary>A nil reply.</summary>
    Null,
    /// <summary>+OK and other simple strings.</summary>
    SimpleString,
    /// <summary>$ bulk strings (and RESP3 verbatim strings).</summary>
    BulkString,
    /// <summary>: integers.</summary>
    Integer,
    /// <summary>RESP3 , doubles.</summary>
    Double,
    /// <summary>RESP3 # booleans.</summary>
    Boolean,
    /// <summary>* arrays (and RESP3 sets and pushes).</summary>
    Array,
    /// <summary>RESP3 % maps, as an array of alternating keys and values.</summary>
    Map,
    /// <summary>- errors are thrown as <see cref="RedisServerException"/>, never returned; kept for completeness.</summary>
    Error,
}

/// <summary>A reply of <see cref="IDatabase.ExecuteAsync(string, object[])"/>: a value or an array of results.</summary>
public sealed class RedisResult
{
    private RedisResult(RedisResultType type, RedisValue value, RedisResult[]? items)
    {
        Type = type;
        Value = value;
        Items = items;
    }

    /// <summary>The kind of reply.</summary>
    public RedisResultType Type { get; }

    /// <summary>The scalar value (null for arrays and nil).</summary>
    public RedisValue Value { get; }

    /// <summary>The elements of an array, set, push or map reply; null otherwise.</summary>
    public IReadOnlyList<RedisResult>? Items { get; }

    /// <summary>True for a nil reply.</summary>
    public bool IsNull => Type == RedisResultType.Null;

    /// <summary>A scalar result.</summary>
    public static RedisResult Create(RedisResultType type, RedisValue value) => new(type, value, null);

    /// <summary>An aggregate result.</summary>
    public static RedisResult CreateArray(RedisResultType type, RedisResult[] items) => new(type, RedisValue.Null, items);

    /// <inheritdoc />
    public override string ToString() => Items is null ? Value.ToString() : $"[{string.Join(", ", Items)}]";

    /// <summary>The text of a scalar reply.</summary>
    public static explicit operator string?(RedisResult result) => (string?)result.Value;

    /// <summary>The integer of a scalar reply.</summary>
    public static explicit operator long(RedisResult result) => (long)result.Value;

    /// <summary>The bytes of a scalar reply.</summary>
    public static explicit operator byte[]?(RedisResult result) => (byte[]?)result.Value;
}
