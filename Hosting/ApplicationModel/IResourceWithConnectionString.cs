namespace Hosting.ApplicationModel;

/// <summary>A resource other resources reach through <c>ConnectionStrings__{name}</c>.</summary>
public interface IResourceWithConnectionString : IResource
{
    /// <summary>The connection string, known once the application is built (ports allocated).</summary>
    string GetConnectionString();
}
