using Xunit.Abstractions;

namespace AppHost.EndToEndTests;

/// <summary>Stopping the AppHost: a signal ends every process it started; after kill -9, DCP ends them and the next start works.</summary>
public sealed class LifecycleTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ProcessIdentity.SigTerm)]
    [InlineData(ProcessIdentity.SigKill)]
    public async Task AfterTheAppHostEndsNothingItStartedIsLeftAndTheNextStartWorks(int signal)
    {
        var state = Directory.CreateTempSubdirectory("apphost-lifecycle-");
        var first = RunningAppHost.OnState(state.FullName);
        IReadOnlyList<ProcessIdentity> tree = [];
        try
        {
            await first.InitializeAsync();
            tree = first.Process.SnapshotTree();
            output.WriteLine($"{tree.Count} processes: {string.Join(", ", tree.Select(p => p.CommandLine.Split(' ')[0]).Distinct())}");
            Assert.Contains(tree, p => p.CommandLine.Contains("postgres", StringComparison.Ordinal));
            Assert.Contains(tree, p => p.CommandLine.Contains("redis-server", StringComparison.Ordinal));
            Assert.Contains(tree, p => p.CommandLine.Contains("WebFrontend", StringComparison.Ordinal));

            await first.Process.StopAsync(signal);
            // DCP watches the AppHost's pid: after SIGKILL it ends what it started by itself. Bounded by the minute the
            // issue allows; a wait on state, not a timing assertion.
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (tree.Any(p => p.IsRunning()) && !deadline.IsCancellationRequested)
            {
                await Task.Delay(100);
            }
            var left = tree.Where(p => p.IsRunning()).ToList();
            Assert.True(left.Count == 0, $"still running: {string.Join("; ", left.Select(p => $"{p.Pid} {p.CommandLine}"))}");

            if (signal == ProcessIdentity.SigKill)
            {
                // The next start reuses the state folder: Postgres' data folder and its kept password.
                var second = RunningAppHost.OnState(state.FullName);
                try
                {
                    await second.InitializeAsync();
                }
                finally
                {
                    await second.DisposeAsync();
                }
            }
        }
        finally
        {
            ProcessIdentity.KillAll(tree);
            await first.DisposeAsync();
            state.Delete(recursive: true);
        }
    }
}
