using TestServers;

namespace CatalogApi.FunctionalTests;

/// <summary>A real Postgres and one CatalogApi (in process) on its database <c>catalogdb</c>, shared by the tests of the collection.</summary>
public sealed class CatalogFixture : IAsyncLifetime
{
    /// <summary>The server; tests that need an empty database create one there.</summary>
    public PostgresServer Postgres { get; private set; } = null!;

    /// <summary>CatalogApi on database <c>catalogdb</c>.</summary>
    public CatalogApiFactory Api { get; private set; } = null!;

    /// <summary>A client of <see cref="Api"/>.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Creates an empty database and answers its connection string.</summary>
    public Task<string> CreateDatabaseAsync(string name) => Postgres.CreateDatabaseAsync(name);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Api = new CatalogApiFactory(await Postgres.CreateDatabaseAsync("catalogdb"));
        Client = Api.CreateClient();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Api is not null)
        {
            await Api.DisposeAsync();
        }
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }
}
