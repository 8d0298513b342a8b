using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Hosting.FunctionalTests;

/// <summary>
/// One app for the collection (a start costs seconds here): a local Redis and a local Postgres with one database,
/// built in the test with <see cref="DistributedApplicationTestingBuilder"/>, started, and disposed at the end
/// (DCP ends every process; the data folder is deleted).
/// </summary>
public sealed class LocalServersFixture : IAsyncLifetime
{
    private readonly string _postgresFolder = Directory.CreateTempSubdirectory("hosting-tests-postgres-").FullName;

    public DistributedApplication App { get; private set; } = null!;

    public LocalRedisResource Redis { get; private set; } = null!;

    public LocalPostgresServerResource Postgres { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        Redis = builder.AddLocalRedis("cache").Resource;
        var postgres = builder.AddLocalPostgres("postgres").WithDataDirectory(_postgresFolder);
        postgres.AddDatabase("catalogdb");
        Postgres = postgres.Resource;
        App = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await App.StartAsync(timeout.Token);
        try
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync("cache", timeout.Token);
            await App.ResourceNotifications.WaitForResourceHealthyAsync("catalogdb", timeout.Token);
        }
        catch (OperationCanceledException ex)
        {
            throw new InvalidOperationException($"The servers did not become healthy: {await ResourceDiagnostics.DescribeAsync(App)}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        try
        {
            Directory.Delete(_postgresFolder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalServersCollection : ICollectionFixture<LocalServersFixture>
{
    public const string Name = "local servers";
}
