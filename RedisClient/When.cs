namespace RedisClient;

/// <summary>The condition of a SET, as in StackExchange.Redis.</summary>
public enum When
{
    /// <summary>Always set.</summary>
    Always,
    /// <summary>Only if the key exists (XX).</summary>
    Exists,
    /// <summary>Only if the key does not exist (NX).</summary>
    NotExists,
}
