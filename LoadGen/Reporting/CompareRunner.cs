using LoadGen.Metrics;
using LoadGen.Running;
using LoadGen.Workloads;

namespace LoadGen.Reporting;

/// <summary>
/// Runs the same workload against each target in turn. Before each run an optional <c>switchTo</c> callback prepares
/// the system (the topology switch plugs in here: switch the cache tier, wait until healthy, then return).
/// </summary>
public sealed class CompareRunner(
    Workload workload,
    IReadOnlyList<CompareTarget> targets,
    Func<CompareTarget, CancellationToken, Task>? switchTo = null)
{
    /// <summary>Runs every target and returns one summary per target, in order.</summary>
    /// <param name="run">
    /// Runs one prepared runner (default: <see cref="LoadRunner.RunAsync"/>); a display wraps it to follow the live figures.
    /// </param>
    /// <param name="cancellationToken">Stops the comparison.</param>
    public async Task<IReadOnlyList<RunSummary>> RunAsync(
        Func<CompareTarget, LoadRunner, CancellationToken, Task<RunSummary>>? run = null,
        CancellationToken cancellationToken = default)
    {
        run ??= static (_, runner, token) => runner.RunAsync(token);
        var results = new List<RunSummary>(targets.Count);
        foreach (var target in targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (switchTo is not null)
            {
                await switchTo(target, cancellationToken);
            }

            // A fresh detector per target: each target is another system with its own versions.
            await using var runner = new LoadRunner(
                workload with { BaseUrl = target.BaseUrl, CatalogUrl = target.CatalogUrl },
                target.Label);
            results.Add(await run(target, runner, cancellationToken));
        }

        return results;
    }
}
