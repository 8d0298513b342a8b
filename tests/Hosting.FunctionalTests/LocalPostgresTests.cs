using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Aspire.Hosting.ApplicationModel;
using Npgsql;

namespace Hosting.FunctionalTests;

[Collection(LocalServersCollection.Name)]
public sealed class LocalPostgresTests(LocalServersFixture fixture)
{
    [Fact]
    public async Task TheDatabaseIsUsableThroughItsConnectionString()
    {
        var connectionString = await fixture.App.GetConnectionStringAsync("catalogdb");

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'one') ON CONFLICT DO NOTHING", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var read = new NpgsqlCommand("SELECT current_database(), (SELECT name FROM items WHERE id = 1)", connection);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("catalogdb", reader.GetString(0));
        Assert.Equal("one", reader.GetString(1));
    }

    [Fact]
    public async Task TheInitResourceRanToCompletionBeforeTheServerStarted()
    {
        var init = await fixture.App.ResourceNotifications.WaitForResourceAsync("postgres-init", e => e.Snapshot.State?.Text == KnownResourceStates.Finished);

        Assert.Equal(0, init.Snapshot.ExitCode);
        Assert.True(File.Exists(Path.Combine(fixture.Postgres.Home, "data", "PG_VERSION")));
        Assert.False(File.Exists(Path.Combine(fixture.Postgres.Home, "pwfile")));
    }

    [Fact]
    public async Task AWrongPasswordIsRefused()
    {
        var connectionString = await fixture.App.GetConnectionStringAsync("catalogdb");
        var wrong = new NpgsqlConnectionStringBuilder(connectionString) { Password = "wrong", Pooling = false };

        await using var connection = new NpgsqlConnection(wrong.ConnectionString);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("28P01", error.SqlState);
    }

    [Fact]
    public void PostgresListensOnLoopbackOnly()
    {
        var addresses = LoopbackListeners.ListeningAddresses(fixture.Postgres.Port);

        Assert.Equal(["0100007F"], addresses);
    }
}
