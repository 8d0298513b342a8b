using Hosting.Processes;

namespace Hosting.FunctionalTests;

public class AppHostLifetimeTests
{
    private const string AllHealthy = "resources are healthy";

    [Theory]
    [InlineData(UnixProcess.SigInt)]
    [InlineData(UnixProcess.SigTerm)]
    public async Task StoppingTheAppHostWithASignalLeavesNoProcessBehind(int signal)
    {
        var state = Directory.CreateTempSubdirectory("apphost-signal-");
        try
        {
            using var appHost = AppHostProcess.Start("--state-dir", state.FullName, "--lb-port", "0", "--dashboard-port", "0");
            await appHost.WaitForOutputAsync(AllHealthy, TimeSpan.FromSeconds(90));
            var tree = appHost.SnapshotTree();
            var commands = AppHostProcess.Describe(tree.Select(p => p.Pid));
            Assert.Contains("postgres", commands, StringComparison.Ordinal);
            Assert.Contains("redis-server", commands, StringComparison.Ordinal);
            Assert.Contains("haproxy", commands, StringComparison.Ordinal);
            Assert.Contains("EchoService.dll", commands, StringComparison.Ordinal);

            UnixProcess.Signal(appHost.Process.Id, signal);
            await appHost.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(0, appHost.Process.ExitCode);
            var left = AppHostProcess.StillRunning(tree);
            Assert.True(left.Count == 0, $"still running: {AppHostProcess.Describe(left)}");
            Assert.Empty(Directory.GetFiles(Path.Combine(state.FullName, "pids")));
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AfterTheAppHostIsKilledTheNextStartEndsTheLeftovers()
    {
        var state = Directory.CreateTempSubdirectory("apphost-kill9-");
        try
        {
            List<(int Pid, long StartTime)> leftovers;
            using (var first = AppHostProcess.Start("--state-dir", state.FullName, "--lb-port", "0", "--dashboard-port", "0"))
            {
                await first.WaitForOutputAsync(AllHealthy, TimeSpan.FromSeconds(90));
                var tree = first.SnapshotTree();
                UnixProcess.Signal(first.Process.Id, UnixProcess.SigKill);
                await first.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                leftovers = [.. tree.Skip(1)];
                // Without a supervisor the servers keep running: that is what the next start must clean up.
                Assert.NotEmpty(AppHostProcess.StillRunning(leftovers));

                using var second = AppHostProcess.Start("--state-dir", state.FullName, "--lb-port", "0", "--dashboard-port", "0");
                try
                {
                    // Postgres would refuse to start on a data folder a leftover postmaster still holds.
                    await second.WaitForOutputAsync(AllHealthy, TimeSpan.FromSeconds(90));
                    Assert.Contains("Ended a leftover of a previous run", second.Output, StringComparison.Ordinal);
                    var left = AppHostProcess.StillRunning(leftovers);
                    Assert.True(left.Count == 0, $"leftovers still running: {AppHostProcess.Describe(left)}");

                    var secondTree = second.SnapshotTree();
                    UnixProcess.Signal(second.Process.Id, UnixProcess.SigTerm);
                    await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.Empty(AppHostProcess.StillRunning(secondTree));
                }
                finally
                {
                    UnixProcess.KillTree(leftovers);
                }
            }
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }
}
