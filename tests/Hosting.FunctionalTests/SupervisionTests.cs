using Hosting.Testing;

namespace Hosting.FunctionalTests;

public class SupervisionTests
{
    [Fact]
    public async Task AKilledReplicaIsMarkedExitedWithItsExitCodeAndRestarted()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddProject("echo", "tests/TestServices/EchoService").WithReplicas(2).WithHttpHealthCheck("/health");
        await using var app = builder.Build();
        await app.StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("echo").WaitAsync(TimeSpan.FromSeconds(60));
        var pid = app.GetProcessId("echo", 1);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exited = WaitForAsync(app, s => s.Replica == 1 && s.State == ResourceState.Exited, cts.Token);
        await app.KillResourceAsync("echo", 1);
        var snapshot = await exited;
        Assert.Equal(137, snapshot.ExitCode);

        var restarted = await WaitForAsync(app, s => s.Replica == 1 && s.State == ResourceState.Healthy && s.Restarts == 1, cts.Token);
        Assert.NotEqual(pid, restarted.Pid);
        Assert.False(Processes.UnixProcess.IsAlive(pid!.Value));
        Assert.Equal(ResourceState.Healthy, app.ResourceNotifications.GetSnapshot("echo", 0)!.State);
    }

    [Fact]
    public async Task AProjectWithoutBuildOutputFailsToStartWithTheBuildCommand()
    {
        var project = Directory.CreateTempSubdirectory("apphost-project-");
        try
        {
            File.WriteAllText(Path.Combine(project.FullName, "Unbuilt.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk.Web\" />");
            var builder = DistributedApplicationTestingBuilder.Create();
            builder.AddProject("unbuilt", project.FullName);
            await using var app = builder.Build();
            await app.StartAsync();

            var ex = await Assert.ThrowsAsync<DistributedApplicationException>(
                () => app.ResourceNotifications.WaitForResourceHealthyAsync("unbuilt").WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("dotnet build", ex.Message, StringComparison.Ordinal);
            Assert.Equal(ResourceState.FailedToStart, app.ResourceNotifications.GetSnapshot("unbuilt")!.State);
        }
        finally
        {
            project.Delete(recursive: true);
        }
    }

    internal static async Task<ResourceSnapshot> WaitForAsync(DistributedApplication app, Func<ResourceSnapshot, bool> predicate, CancellationToken cancellationToken)
    {
        await foreach (var item in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (predicate(item.Snapshot))
            {
                return item.Snapshot;
            }
        }
        throw new OperationCanceledException();
    }
}
