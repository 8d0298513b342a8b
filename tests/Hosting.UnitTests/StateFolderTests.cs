using System.Globalization;

namespace Hosting.UnitTests;

public class StateFolderTests
{
    [Fact]
    public async Task ASecondAppHostOnTheSameStateFolderIsAnErrorNamingTheOption()
    {
        var state = Directory.CreateTempSubdirectory("apphost-unit-");
        try
        {
            // This test process plays the AppHost that already owns the folder.
            var self = Environment.ProcessId;
            File.WriteAllText(Path.Combine(state.FullName, "apphost.pid"),
                $"{self}\n{Processes.UnixProcess.GetStartTime(self)!.Value.ToString(CultureInfo.InvariantCulture)}\n");
            await using var app = TestModel.CreateBuilder(state.FullName).Build();

            var ex = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync());
            Assert.Contains($"pid {self}", ex.Message, StringComparison.Ordinal);
            Assert.Contains("--state-dir", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AStateFolderLeftByADeadAppHostIsTakenOverAndReleasedAtStop()
    {
        var state = Directory.CreateTempSubdirectory("apphost-unit-");
        try
        {
            var owner = Path.Combine(state.FullName, "apphost.pid");
            File.WriteAllText(owner, "999999999\n1\n");
            await using var app = TestModel.CreateBuilder(state.FullName).Build();

            await app.StartAsync();
            Assert.StartsWith($"{Environment.ProcessId}\n", File.ReadAllText(owner), StringComparison.Ordinal);
            await app.StopAsync();
            Assert.False(File.Exists(owner));
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }
}
