using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>The cluster's operations as dashboard commands; each calls the same <see cref="RedisClusterOperations"/> method as the HTTP API.</summary>
internal static class RedisClusterCommands
{
    internal const string AddMaster = "redis-cluster-add-master";
    internal const string AddReplica = "redis-cluster-add-replica";
    internal const string RemoveNode = "redis-cluster-remove-node";
    internal const string KillMaster = "redis-cluster-kill-master";
    internal const string RestartNode = "redis-cluster-restart-node";
    internal const string Reset = "redis-cluster-reset";
    internal const string NodeArgument = "node";
    internal const string RestartFailsArgument = "restartFails";

    public static IResourceBuilder<RedisClusterResource> WithClusterCommands(this IResourceBuilder<RedisClusterResource> builder)
    {
        var name = builder.Resource.Name;
        return builder
            .WithCommand(KnownResourceCommands.StartCommand, "Start", ctx => RunAsync(ctx, async ops =>
            {
                await ops.StartAsync(name, ctx.CancellationToken).ConfigureAwait(false);
                return $"The Redis Cluster '{name}' runs.";
            }), new CommandOptions
            {
                Description = "Starts the initial nodes and creates the cluster.",
                IconName = "Play",
                IsHighlighted = true,
                UpdateState = ctx => IsStartable(ctx.ResourceSnapshot.State?.Text) ? ResourceCommandState.Enabled : ResourceCommandState.Hidden,
            })
            .WithCommand(AddMaster, "Add master", ctx => RunAsync(ctx, async ops =>
                $"Master {Short(await ops.AddMasterAsync(name, ctx.CancellationToken).ConfigureAwait(false))} added; slots rebalanced."), new CommandOptions
            {
                Description = "Starts a spare node, joins it as a master and moves slots (with their keys) onto it until balanced.",
                IconName = "AddCircle",
            })
            .WithCommand(AddReplica, "Add replica", ctx => RunAsync(ctx, async ops =>
                $"Replica {Short(await ops.AddReplicaAsync(name, Argument(ctx), ctx.CancellationToken).ConfigureAwait(false))} added."), new CommandOptions
            {
                Description = "Starts a spare node as a replica of the given master, or of the master with the fewest replicas.",
                IconName = "CopyAdd",
                Arguments = [NodeInput("Master (empty: the one with the fewest replicas)", required: false)],
            })
            .WithCommand(RemoveNode, "Remove node", ctx => RunAsync(ctx, async ops =>
            {
                var node = Argument(ctx) ?? throw new ArgumentException("Say which node to remove (node id, 127.0.0.1:port or resource name).");
                await ops.RemoveNodeAsync(name, node, ctx.CancellationToken).ConfigureAwait(false);
                return $"Node {node} removed; its slots and keys moved to the other masters.";
            }), new CommandOptions
            {
                Description = "Moves a master's slots and keys away, makes every node forget it, and stops it.",
                IconName = "Delete",
                ConfirmationMessage = "Remove this node from the cluster? Its process is stopped and its node file deleted (its keys move to the other masters first).",
                Arguments = [NodeInput("Node to remove", required: true)],
            })
            .WithCommand(KillMaster, "Kill master", ctx => RunAsync(ctx, async ops =>
            {
                var fault = Flag(ctx, RestartFailsArgument) ? KillMasterFault.RestartFails : KillMasterFault.None;
                var result = await ops.KillMasterAsync(name, Argument(ctx), fault, ctx.CancellationToken).ConfigureAwait(false);
                var healing = builder.Resource.SelfHealing
                    ? fault == KillMasterFault.RestartFails ? " Its restart will fail: self-healing puts a spare in its place." : " Self-healing brings it back as a replica."
                    : " Self-healing is off: Restart node brings it back.";
                return $"Master {Short(result.KilledNodeId)} killed; replica {Short(result.PromotedNodeId)} took over in {result.Elapsed.TotalSeconds:0.0} s.{healing}";
            }), new CommandOptions
            {
                Description = "SIGKILLs a master and waits until one of its replicas took over (fault injection; with self-healing on, healing follows by itself).",
                IconName = "ErrorCircle",
                ConfirmationMessage = "Kill a master with SIGKILL? Writes it acknowledged but had not replicated yet are lost, as in a real crash.",
                Arguments =
                [
                    NodeInput("Master (empty: the first master with a replica)", required: false),
                    new InteractionInput
                    {
                        Name = RestartFailsArgument,
                        Label = "Fault injection: make its restart fail (corrupt its node file)",
                        InputType = InputType.Boolean,
                        Required = false,
                    },
                ],
            })
            .WithCommand(RestartNode, "Restart node", ctx => RunAsync(ctx, async ops =>
            {
                var node = Argument(ctx) ?? throw new ArgumentException("Say which node to restart (node id, 127.0.0.1:port or resource name).");
                await ops.RestartNodeAsync(name, node, ctx.CancellationToken).ConfigureAwait(false);
                return $"Node {node} is back.";
            }), new CommandOptions
            {
                Description = "Starts a killed or stopped node again with its node file; a former master comes back as a replica.",
                IconName = "ArrowClockwise",
                Arguments = [NodeInput("Node to restart", required: true)],
            })
            .WithCommand(Reset, "Reset", ctx => RunAsync(ctx, async ops =>
            {
                await ops.ResetAsync(name, ctx.CancellationToken).ConfigureAwait(false);
                return $"The Redis Cluster '{name}' was created again, empty.";
            }), new CommandOptions
            {
                Description = "Stops every node, deletes the node files and creates an empty cluster on the initial nodes.",
                IconName = "ArrowReset",
                ConfirmationMessage = "Reset the cluster? Every key is deleted and every added node stopped.",
            });
    }

    private static bool IsStartable(string? state) =>
        state is null || state == KnownResourceStates.NotStarted || state == KnownResourceStates.FailedToStart;

    private static InteractionInput NodeInput(string label, bool required) => new()
    {
        Name = NodeArgument,
        Label = label,
        InputType = InputType.Text,
        Required = required,
        Placeholder = "node id (prefix), 127.0.0.1:port, or resource name",
    };

    private static string? Argument(ExecuteCommandContext context) =>
        context.Arguments is { } arguments && arguments.TryGetByName(NodeArgument, out var input) && !string.IsNullOrWhiteSpace(input.Value)
            ? input.Value.Trim()
            : null;

    private static bool Flag(ExecuteCommandContext context, string name) =>
        context.Arguments is { } arguments && arguments.TryGetByName(name, out var input) && bool.TryParse(input.Value, out var value) && value;

    private static string Short(string nodeId) => nodeId.Length > 8 ? nodeId[..8] : nodeId;

    /// <summary>Every failure is a message in the dashboard (the steps are in the cluster's console log), never an unhandled exception.</summary>
    private static async Task<ExecuteCommandResult> RunAsync(ExecuteCommandContext context, Func<RedisClusterOperations, Task<string>> operation)
    {
        try
        {
            var message = await operation(context.Services.GetRequiredService<RedisClusterOperations>()).ConfigureAwait(false);
            return CommandResults.Success(message);
        }
        catch (OperationCanceledException)
        {
            return CommandResults.Canceled();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or KeyNotFoundException or TimeoutException or StackExchange.Redis.RedisException)
        {
            return CommandResults.Failure(ex.Message);
        }
    }
}
