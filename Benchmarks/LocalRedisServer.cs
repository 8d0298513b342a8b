using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Benchmarks;

/// <summary>A redis-server of the benchmark's own: free loopback port, temp folder, generated password, no persistence.</summary>
internal sealed class LocalRedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private int _disposed;

    private LocalRedisServer(Process process, string directory, int port, string password)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Password = password;

        // A benchmark that crashes (or a setup BenchmarkDotNet does not await) must not leave the server running.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    public int Port { get; }

    public string Password { get; }

    public static async Task<LocalRedisServer> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var directory = Directory.CreateTempSubdirectory("redis-benchmark-").FullName;
        var start = new ProcessStartInfo("redis-server") { WorkingDirectory = directory, RedirectStandardOutput = true };
        foreach (var arg in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--appendonly", "no", "--dir", directory })
        {
            start.ArgumentList.Add(arg);
        }

        var server = new LocalRedisServer(Process.Start(start)!, directory, port, password);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(25);
            }
        }

        server.Dispose();
        throw new InvalidOperationException($"redis-server did not listen on {port}.");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
