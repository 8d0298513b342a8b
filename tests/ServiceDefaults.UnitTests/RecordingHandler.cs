using System.Net;

namespace ServiceDefaults.UnitTests;

/// <summary>The end of a handler chain: records each request URI and answers the next queued status (200 when none).</summary>
internal sealed class RecordingHandler(params HttpStatusCode[] statuses) : HttpMessageHandler
{
    private readonly Queue<HttpStatusCode> _statuses = new(statuses);

    public List<Uri> Requests { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(_statuses.TryDequeue(out var status) ? status : HttpStatusCode.OK));
        }
    }
}
