using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Cluster.FunctionalTests;

/// <summary>Bounded waits on what self-healing does (its events, the cluster's state), and <c>redis-cli --cluster check</c>.</summary>
internal static class Healing
{
    /// <summary>Generous: a heal takes node-timeout + seconds; the bound only stops a broken heal from hanging the run.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    public static async Task<ClusterOperationEvent> WaitForEventAsync(RedisClusterOperations operations, string cluster, Func<ClusterOperationEvent, bool> match)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (operations.GetRecentEvents(cluster).LastOrDefault(match) is { } found)
            {
                return found;
            }

            if (watch.Elapsed > Bound)
            {
                throw new TimeoutException($"No such event within {Bound.TotalSeconds:0} s. The last events:{Environment.NewLine}{Describe(operations, cluster)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the cluster's state satisfies <paramref name="condition"/> (states read while nodes are down may throw: asked again).</summary>
    public static async Task<ClusterState> WaitForStateAsync(RedisClusterOperations operations, string cluster, Func<ClusterState, bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        ClusterState? last = null;
        while (true)
        {
            try
            {
                last = await operations.GetStateAsync(cluster);
                if (condition(last))
                {
                    return last;
                }
            }
            catch (InvalidOperationException)
            {
                // No node answered this time (the cluster is settling).
            }

            if (watch.Elapsed > Bound)
            {
                var nodes = last is null ? "no state" : string.Join(Environment.NewLine, last.Nodes.Select(n => $"{n.Id[..8]} {n.Address} {n.Role} of {n.MasterId?[..8]} slots {n.SlotCount} failed {n.Failed} pid {n.ProcessId}"));
                throw new TimeoutException($"Not {what} within {Bound.TotalSeconds:0} s.{Environment.NewLine}{nodes}{Environment.NewLine}{Describe(operations, cluster)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>3 masters with slots, each with a running replica, no failed node, every slot covered, every node ok.</summary>
    public static bool EveryMasterHasAReplica(ClusterState state) =>
        state.Ok
        && state.SlotsCovered == ClusterSlotPlanner.SlotCount
        && state.Nodes.All(n => !n.Failed && n.ProcessId is not null)
        && state.Masters.Count(m => m.SlotCount > 0) == 3
        && state.Masters.Where(m => m.SlotCount > 0).All(m => state.Replicas.Any(r => r.MasterId == m.Id));

    /// <summary><c>redis-cli --cluster check</c> against one node: its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> ClusterCheckAsync(RedisClusterResource cluster, int port)
    {
        var startInfo = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.Environment["REDISCLI_AUTH"] = await cluster.PasswordParameter.GetValueAsync(default);
        foreach (var arg in new[] { "--cluster", "check", $"127.0.0.1:{port}" })
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output + await error);
    }

    /// <summary>Writes to the test's output and to the console (shown with <c>--logger "console;verbosity=normal"</c>).</summary>
    public static void Log(Xunit.Abstractions.ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    public static string Describe(RedisClusterOperations operations, string cluster) =>
        string.Join(Environment.NewLine, operations.GetRecentEvents(cluster).TakeLast(40).Select(e => $"{e.Time:HH:mm:ss.fff} {e.Operation} [{e.Step}] {e.Message}"));
}
