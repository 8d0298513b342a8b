using System.Net;
using RedisClient.Protocol;

namespace RedisClient.Internal;

/// <summary>
/// One command on its way to the server and its reply on the way back. It is its own TaskCompletionSource (one
/// allocation less per command); continuations run asynchronously so the reader loop never runs caller code.
/// </summary>
internal sealed class PendingCommand : TaskCompletionSource<RedisResult>
{
    public PendingCommand(CommandName name, RedisValue[] args)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Name = name;
        Args = args;
    }

    public CommandName Name { get; }

    public RedisValue[] Args { get; }

    /// <summary>Stopwatch timestamp when queued; the timeout sweep compares against it.</summary>
    public long EnqueuedAt { get; set; }

    /// <summary>Send ASKING right before this command (the ASK redirection of a slot being migrated).</summary>
    public bool Asking { get; init; }

    /// <summary>Delivers a reply; an error reply becomes a <see cref="RedisServerException"/>.</summary>
    public void Complete(RedisResult reply, DnsEndPoint endPoint)
    {
        if (reply.Type == RedisResultType.Error)
        {
            TrySetException(new RedisServerException($"{reply.Value} (command {Name.Text} on {endPoint.Host}:{endPoint.Port})"));
        }
        else
        {
            TrySetResult(reply);
        }
    }
}
