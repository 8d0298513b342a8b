using ServicesTesting;

namespace CatalogApi.FunctionalTests;

/// <summary>Postgres and one CatalogApi on it, shared by the tests of the collection.</summary>
public sealed class CatalogFixture : IAsyncLifetime
{
    /// <summary>The servers.</summary>
    public LocalServers Servers { get; } = new();

    /// <summary>CatalogApi on database <c>catalogdb</c>.</summary>
    public CatalogApiFactory Api { get; private set; } = null!;

    /// <summary>A client of <see cref="Api"/>.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        Api = new CatalogApiFactory(Servers.PostgresConnectionString());
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
        await Servers.DisposeAsync();
    }
}
