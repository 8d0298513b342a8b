using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Hosting.FunctionalTests;

/// <summary>Stopping the app asks Postgres for its fast shutdown, which does not wait for pooled clients to leave.</summary>
public sealed class PostgresShutdownTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hosting-tests-shutdown-postgres-").FullName;

    [Fact]
    public async Task StoppingTheAppWithAPooledClientConnectionOpenShutsPostgresDownCleanly()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddLocalPostgres("postgres").WithDataDirectory(_folder).AddDatabase("catalogdb");
        var app = builder.Build();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            await app.StartAsync(timeout.Token);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("catalogdb", timeout.Token);
        }
        // A pooled connection stays open after Close: Postgres' "smart" shutdown (DCP's SIGTERM) would wait for it
        // until DCP gives up and kills the server, which then did not shut down cleanly.
        await using var dataSource = NpgsqlDataSource.Create((await app.GetConnectionStringAsync("catalogdb"))!);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
        }

        var clock = Stopwatch.StartNew();
        await app.StopAsync();
        await app.DisposeAsync();
        output.WriteLine($"StopAsync + DisposeAsync with a pooled connection open: {clock.Elapsed.TotalSeconds:0.0} s (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");

        Assert.Contains("Database cluster state:               shut down\n", await ControlDataAsync(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>pg_controldata of the data folder: what the server recorded when it last stopped.</summary>
    private async Task<string> ControlDataAsync()
    {
        var binary = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pg_controldata")).First(File.Exists);
        using var process = Process.Start(new ProcessStartInfo(binary, ["-D", Path.Combine(_folder, "data")])
        {
            RedirectStandardOutput = true,
            Environment = { ["LC_ALL"] = "C" },
        })!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text;
    }
}
