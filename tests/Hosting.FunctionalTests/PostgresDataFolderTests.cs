using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Npgsql;

namespace Hosting.FunctionalTests;

/// <summary>The AppHost keeps Postgres' data folder between runs while the password is generated anew each run.</summary>
public sealed class PostgresDataFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hosting-tests-kept-postgres-").FullName;

    [Fact]
    public async Task ADataFolderKeptFromAnEarlierRunAcceptsThisRunsPasswordAndKeepsItsRows()
    {
        string firstPassword;
        await using (var first = await StartAsync())
        {
            firstPassword = (await first.Postgres.PasswordParameter.GetValueAsync(CancellationToken.None))!;
            await ExecuteAsync(first.App, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)");
        }

        await using var second = await StartAsync();
        var secondPassword = await second.Postgres.PasswordParameter.GetValueAsync(CancellationToken.None);
        var kept = await ExecuteAsync(second.App, "SELECT id FROM kept");

        Assert.NotEqual(firstPassword, secondPassword);
        Assert.Equal(42, kept);
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

    private async Task<Run> StartAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var postgres = builder.AddLocalPostgres("postgres").WithDataDirectory(_folder);
        postgres.AddDatabase("catalogdb");
        var app = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await app.StartAsync(timeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("catalogdb", timeout.Token);
        return new Run(app, postgres.Resource);
    }

    private static async Task<object?> ExecuteAsync(DistributedApplication app, string sql)
    {
        var connectionString = await app.GetConnectionStringAsync("catalogdb");
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private sealed record Run(DistributedApplication App, LocalPostgresServerResource Postgres) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
