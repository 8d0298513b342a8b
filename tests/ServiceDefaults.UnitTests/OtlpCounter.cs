using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.UnitTests;

/// <summary>
/// An in-process OTLP/HTTP endpoint on a free loopback port: keeps the raw protobuf of every trace export, so a
/// test can tell whether a span with a given route was sent (the route is a string inside the message).
/// </summary>
internal sealed class OtlpCounter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<string> _exports = [];

    private OtlpCounter(WebApplication app) => _app = app;

    public string Endpoint => _app.Urls.First();

    public static async Task<OtlpCounter> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var counter = new OtlpCounter(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            lock (counter._exports)
            {
                counter._exports.Add(Encoding.UTF8.GetString(buffer.ToArray()));
            }
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/metrics", () => Results.Bytes([], "application/x-protobuf"));
        app.MapPost("/v1/logs", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync();
        return counter;
    }

    public int SpansWithPath(string route)
    {
        lock (_exports)
        {
            return _exports.Count(e => e.Contains(route, StringComparison.Ordinal));
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
