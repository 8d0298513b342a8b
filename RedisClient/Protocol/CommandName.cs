using System.Collections.Concurrent;
using System.Text;

namespace RedisClient.Protocol;

/// <summary>A command name with its RESP bulk-string encoding computed once, so the hot path only copies bytes.</summary>
internal sealed class CommandName
{
    public static readonly CommandName Get = new("GET");
    public static readonly CommandName Set = new("SET");
    public static readonly CommandName Del = new("DEL");
    public static readonly CommandName Exists = new("EXISTS");
    public static readonly CommandName MGet = new("MGET");
    public static readonly CommandName Ping = new("PING");
    public static readonly CommandName Wait = new("WAIT");
    public static readonly CommandName Auth = new("AUTH");
    public static readonly CommandName Client = new("CLIENT");
    public static readonly CommandName Cluster = new("CLUSTER");
    public static readonly CommandName Asking = new("ASKING");
    public static readonly CommandName Publish = new("PUBLISH");
    public static readonly CommandName Subscribe = new("SUBSCRIBE");
    public static readonly CommandName Unsubscribe = new("UNSUBSCRIBE");

    // Names given to ExecuteAsync, encoded once each. Bounded: a caller inventing names cannot grow it forever.
    private static readonly ConcurrentDictionary<string, CommandName> s_byText = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The cached instance for a name given as text.</summary>
    public static CommandName For(string text)
    {
        if (s_byText.TryGetValue(text, out var name))
        {
            return name;
        }

        name = new CommandName(text);
        if (s_byText.Count < 1024)
        {
            s_byText.TryAdd(text, name);
        }

        return name;
    }

    public CommandName(string text)
    {
        Text = text.ToUpperInvariant();
        var name = Encoding.UTF8.GetBytes(Text);
        Encoded = Encoding.ASCII.GetBytes($"${name.Length}\r\n").Concat(name).Concat("\r\n"u8.ToArray()).ToArray();
    }

    /// <summary>The upper-case name, as reported in traces and errors.</summary>
    public string Text { get; }

    /// <summary>"$3\r\nGET\r\n".</summary>
    public byte[] Encoded { get; }

    /// <inheritdoc />
    public override string ToString() => Text;
}
