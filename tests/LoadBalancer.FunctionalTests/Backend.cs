using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.FunctionalTests;

/// <summary>
/// A stand-in web replica: a real Kestrel on 127.0.0.1 that answers <c>/health</c>, says who it is in
/// <c>X-Served-By</c>, counts what it received, and on <c>/abort</c> drops the connection after reading the request
/// (a replica that dies while handling it). <see cref="StopAsync"/> leaves its port refusing connections.
/// </summary>
public sealed class Backend : IAsyncDisposable
{
    private readonly string _name;
    private WebApplication? _app;
    private int _received;

    private Backend(string name, int port)
    {
        _name = name;
        Port = port;
    }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>Requests it received (health probes excluded).</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>Its address, for service discovery.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>A backend on a free port, running.</summary>
    public static async Task<Backend> StartAsync(string name)
    {
        var backend = new Backend(name, FreePort());
        await backend.StartAsync();
        return backend;
    }

    /// <summary>A port nobody listens on (connections are refused) that a backend can start on later.</summary>
    public static Backend Dead(string name) => new(name, FreePort());

    /// <summary>Starts (again) on its port.</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.MapGet("/health", () => "Healthy");
        app.Map("/abort", (HttpContext context) =>
        {
            Interlocked.Increment(ref _received);
            context.Abort();
        });
        app.Map("/{**path}", (HttpContext context) =>
        {
            Interlocked.Increment(ref _received);
            context.Response.Headers["X-Served-By"] = _name;
            return Results.Text($"{context.Request.Method} {_name}");
        });
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops listening: its port refuses connections from now on.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(StopAsync());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
