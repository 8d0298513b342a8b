namespace WebFrontend.FunctionalTests;

/// <summary>
/// Holds the answer of a replica's first CatalogApi read of one product until <see cref="Release"/>: Postgres has
/// been read, the replica has not seen the answer yet. That is the window in which another replica's write
/// makes the answer old, made as long as a test needs.
/// </summary>
public sealed class HeldCatalogRead(int id)
{
    private readonly int _id = id;
    private readonly TaskCompletionSource _read = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when CatalogApi has answered the held read.</summary>
    public Task Read => _read.Task;

    /// <summary>Lets the held answer go on to the replica.</summary>
    public void Release() => _release.TrySetResult();

    /// <summary>A handler for the replica's CatalogApi client (one per pipeline; they share this gate).</summary>
    public DelegatingHandler CreateHandler() => new Handler(this);

    private sealed class Handler(HeldCatalogRead gate) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get
                && request.RequestUri?.AbsolutePath == $"/api/catalog/items/{gate._id}"
                && gate._read.TrySetResult())
            {
                await gate._release.Task.WaitAsync(cancellationToken);
            }
            return response;
        }
    }
}
